"""Hand-made chunks of a fixed size, cut with itertools.islice while submitting (the input
is read once, as an iterator), one submit() per chunk of a module-level runner; results read
from the futures in submission order; the pool shut down in a finally.
Scores: 34
"""
import itertools
import os
from concurrent.futures import ProcessPoolExecutor


def _run_chunk(func, chunk):
    return [func(x) for x in chunk]


def parallel_map(func, items, max_workers=None) -> list:
    workers = max_workers if max_workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise ValueError("max_workers must be at least 1")
    items = list(items)
    if not items:
        return []
    size = max(1, -(-len(items) // (6 * workers)))
    executor = ProcessPoolExecutor(max_workers=min(workers, len(items)))
    try:
        it = iter(items)
        futures = []
        while chunk := list(itertools.islice(it, size)):
            futures.append(executor.submit(_run_chunk, func, chunk))
        out = []
        for future in futures:
            out.extend(future.result())
        return out
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
