"""Batches the items, but runs them in a ThreadPoolExecutor: "DON'T: use threads for heavy
CPU work" -- the GIL lets one thread think at a time, so heavy items get no speedup, and
the batches never leave the caller's process (the kernel sees it do all the work): no
batching, speed, leftover-worker, start-method or max_workers points without worker
processes; it keeps only the results tests' (9 of 34).

Fails: test_tiny_items_sent_in_batches, test_tiny_items_faster_than_one_task_each,
    test_heavy_items_run_in_several_processes, test_heavy_items_speedup,
    test_no_child_left_behind, test_start_methods[spawn], test_start_methods[forkserver],
    test_empty_input, test_other_sizes[10001_items_3_workers],
    test_other_sizes[3_items_2_workers], test_other_sizes[500_items_1_worker],
    test_tiny_items_batched_other_sizes, test_no_child_left_after_an_exception
"""
import os
from concurrent.futures import ThreadPoolExecutor

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
    with ThreadPoolExecutor(max_workers=workers) as executor:   # BUG: threads for CPU work
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
