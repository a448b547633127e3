"""A multiprocessing.Pool from the forkserver context (Linux's default from Python 3.14),
whatever the default start method: its workers are forked from a server process started on
the first use, so the first pool costs a server's start-up (~0.1 s) and every pool its
workers' start. starmap over hand-made batches, results flattened in order.
Scores: 34
"""
import multiprocessing
import os


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
    size = -(-len(items) // (4 * workers))
    batches = [(func, items[i:i + size]) for i in range(0, len(items), size)]
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(workers) as pool:
        return [r for part in pool.starmap(_run_batch, batches) for r in part]
