"""A ThreadPoolExecutor, one task per item: no worker process at all, so like the plain
loop it keeps only the results tests' points (9); the kernel sees the caller's process do
all the work in every other test.
Scores: 9
"""
from concurrent.futures import ThreadPoolExecutor


def parallel_map(func, items, max_workers=None) -> list:
    """A thread pool: no processes."""
    if max_workers is not None and max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    items = list(items)
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max_workers or 2) as pool:
        return list(pool.map(func, items))
