"""No pool at all: a plain loop (the broken variant sequential, as a design). Its results
are right, so it keeps the results tests' points (tiny and heavy results, both exception
tests, any iterable, non-int results: 9); every other test asks for work done in worker
processes, which the kernel does not see: batching, speed, leftover workers, start
methods, max_workers, empty input and leaks after an exception all fail.
Scores: 9
"""


def parallel_map(func, items, max_workers=None) -> list:
    """No pool at all: a plain loop."""
    if max_workers is not None and max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    return [func(x) for x in items]
