"""No pool at all: a plain loop. Right results, and fine for tiny items, but heavy items
run one after another in the grader's own process.

Fails: test_heavy_items_run_in_several_processes, test_heavy_items_speedup
"""


def parallel_map(func, items, max_workers=None) -> list:
    """[func(x) for x in items], computed in a process pool, items sent in batches."""
    if max_workers is not None and max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    return [func(x) for x in items]
