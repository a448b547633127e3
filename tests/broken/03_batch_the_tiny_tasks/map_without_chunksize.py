"""Uses executor.map(func, items) with the default chunksize=1: ProcessPoolExecutor.map
still ships one task per item, so tiny items are as slow as one submit() each.

Fails: test_tiny_items_sent_in_batches, test_tiny_items_faster_than_one_task_each,
    test_tiny_items_batched_other_sizes
"""
import os
from concurrent.futures import ProcessPoolExecutor


def parallel_map(func, items, max_workers=None) -> list:
    """[func(x) for x in items], computed in a process pool, items sent in batches."""
    if max_workers is None:
        max_workers = len(os.sched_getaffinity(0))
    items = list(items)
    if not items:
        return []
    with ProcessPoolExecutor(max_workers=max_workers) as executor:
        return list(executor.map(func, items))   # BUG: no chunksize -> one task per item
