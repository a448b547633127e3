"""Computes the batch size as len(items) // (4 * workers): with fewer items than batches
(and for an empty input) that is 0, and range(0, n, 0) raises ValueError.

Fails: test_heavy_items_results, test_empty_input, test_other_sizes[3_items_2_workers]
"""
import os
from concurrent.futures import ProcessPoolExecutor

# Batches per worker: enough that a slow batch does not leave the other workers idle,
# few enough that the per-task overhead stays negligible.
BATCHES_PER_WORKER = 4


def _available_cpus() -> int:
    """The CPUs this process may run on (its affinity), not the machine's total."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):          # macOS, Windows
        return os.cpu_count() or 1


def _run_batch(func, batch):
    """Runs in a worker: one task, many items."""
    return [func(x) for x in batch]


def parallel_map(func, items, max_workers=None) -> list:
    """[func(x) for x in items], computed in a process pool, items sent in batches."""
    if max_workers is None:
        max_workers = _available_cpus()
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    items = list(items)                        # any iterable: a range, a tuple, a generator
    workers = max_workers
    size = len(items) // (workers * BATCHES_PER_WORKER)     # BUG: 0 for few items
    batches = [items[i:i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(_run_batch, func, batch) for batch in batches]
        results = []
        try:
            for future in futures:             # submission order = input order
                results.extend(future.result())  # re-raises func's exception here
        except BaseException:
            # The caller gets the exception now: drop the batches not yet started.
            executor.shutdown(wait=True, cancel_futures=True)
            raise
    return results
