"""Collects the batches with as_completed, as the lesson's Pattern 1 does: every value is
right, but a batch that finishes early jumps the queue, so the order is the order the
batches finished in, not the order of the items.

Fails: test_tiny_items_results, test_heavy_items_results,
    test_other_sizes[10001_items_3_workers], test_other_sizes[3_items_2_workers],
    test_any_iterable, test_results_that_are_not_ints
"""
import os
from concurrent.futures import ProcessPoolExecutor, as_completed

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


def _split(items, n_batches):
    """`items` cut into `n_batches` consecutive slices whose sizes differ by at most 1."""
    size, extra = divmod(len(items), n_batches)
    batches, start = [], 0
    for i in range(n_batches):
        end = start + size + (1 if i < extra else 0)
        batches.append(items[start:end])
        start = end
    return batches


def parallel_map(func, items, max_workers=None) -> list:
    """[func(x) for x in items], computed in a process pool, items sent in batches."""
    if max_workers is None:
        max_workers = _available_cpus()
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    items = list(items)                        # any iterable: a range, a tuple, a generator
    if not items:
        return []                              # nothing to do: no pool to start
    workers = min(max_workers, len(items))
    batches = _split(items, min(len(items), workers * BATCHES_PER_WORKER))
    with ProcessPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(_run_batch, func, batch) for batch in batches]
        results = []
        try:
            for future in as_completed(futures):   # BUG: the order batches finish in
                results.extend(future.result())
        except BaseException:
            # The caller gets the exception now: drop the batches not yet started.
            executor.shutdown(wait=True, cancel_futures=True)
            raise
    return results
