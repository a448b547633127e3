"""multiprocessing.Pool.map with an explicit chunksize of about 4 batches per worker: the
pool cuts the items into chunks itself, one task per chunk, and gives the results back in
order; the `with` block terminates the workers once map() has returned (or raised).
Scores: 34
"""
import multiprocessing
import os


def parallel_map(func, items, max_workers=None) -> list:
    if max_workers is None:
        max_workers = len(os.sched_getaffinity(0))
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    items = list(items)
    if not items:
        return []
    workers = min(max_workers, len(items))
    chunksize = -(-len(items) // (4 * workers))
    with multiprocessing.Pool(workers) as pool:
        return pool.map(func, items, chunksize=chunksize)
