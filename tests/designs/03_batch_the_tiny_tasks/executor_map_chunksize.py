"""ProcessPoolExecutor.map with a chunksize: the executor ships the items in chunks of
`chunksize` (one task each) and yields the results in the items' order; list() collects
them, and the first exception func raised is raised from there.
Scores: 34
"""
import os
from concurrent.futures import ProcessPoolExecutor


def parallel_map(func, items, max_workers=None) -> list:
    if max_workers is None:
        max_workers = os.cpu_count() or 1
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    items = list(items)
    if not items:
        return []
    workers = min(max_workers, len(items))
    chunksize = max(1, len(items) // (3 * workers))
    with ProcessPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(func, items, chunksize=chunksize))
