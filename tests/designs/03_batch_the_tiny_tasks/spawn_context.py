"""A process pool that always starts its workers with spawn (a fresh interpreter each, as
on macOS and Windows), whatever the default: ProcessPoolExecutor(mp_context=spawn) and
hand-made batches. Starting it costs far more than a fork pool (~0.1-0.2 s): the tests
that count a pool's start-up measure it for the start method the workers were started with.
Scores: 34
"""
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def _run_batch(func, batch):
    return [func(x) for x in batch]


def parallel_map(func, items, max_workers=None) -> list:
    workers = max_workers if max_workers is not None else len(os.sched_getaffinity(0))
    if workers < 1:
        raise ValueError("max_workers must be at least 1")
    items = list(items)
    if not items:
        return []
    workers = min(workers, len(items))
    n = min(len(items), 4 * workers)
    batches = [items[i * len(items) // n:(i + 1) * len(items) // n] for i in range(n)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as executor:
        futures = [executor.submit(_run_batch, func, b) for b in batches]
        return [r for f in futures for r in f.result()]
