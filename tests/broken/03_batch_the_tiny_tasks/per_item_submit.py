"""Has a batch runner, but every batch holds one item: one task per item, as in the lesson's
"DON'T: use processes for tiny tasks". Correct, and as slow as the stub on tiny items.

Fails: test_tiny_items_sent_in_batches, test_tiny_items_faster_than_one_task_each,
    test_tiny_items_batched_other_sizes
"""
import os
from concurrent.futures import ProcessPoolExecutor


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _run_batch(func, batch):
    return [func(x) for x in batch]


def parallel_map(func, items, max_workers=None) -> list:
    """[func(x) for x in items], computed in a process pool, items sent in batches."""
    if max_workers is None:
        max_workers = _available_cpus()
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    items = list(items)
    if not items:
        return []
    batches = [[x] for x in items]             # BUG: a "batch" of one item per task
    with ProcessPoolExecutor(max_workers=max_workers) as executor:
        futures = [executor.submit(_run_batch, func, batch) for batch in batches]
        results = []
        for future in futures:
            results.extend(future.result())
    return results
