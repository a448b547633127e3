"""A ProcessPoolExecutor that always starts its workers with spawn
(mp_context=multiprocessing.get_context("spawn")), whatever the caller's default: its
workers cost a fresh interpreter each to start.
Correct: full marks.
Scores: 30
"""
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed


def _chunk(start, stop):
    values = [v ** 2 + math.sin(v) * 100 for v in range(start, stop)]
    return len(values), math.fsum(values), min(values), max(values)


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    if n_items < 0 or chunk_size < 1:
        raise ValueError("n_items must be >= 0 and chunk_size >= 1")
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    chunks = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    context = multiprocessing.get_context("spawn")
    workers = min(max_workers or len(os.sched_getaffinity(0)), len(chunks))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        futures = [executor.submit(_chunk, s, e) for s, e in chunks]
        results = [f.result() for f in as_completed(futures)]
    items = sum(r[0] for r in results)
    total = math.fsum(r[1] for r in results)
    return {"items": items, "sum": total, "average": total / items,
            "min": min(r[2] for r in results), "max": max(r[3] for r in results)}
