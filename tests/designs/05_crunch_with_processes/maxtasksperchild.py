"""A Pool whose workers are recycled after every task (maxtasksperchild=1): a new
worker process per chunk, never more than max_workers of them alive at once.
Correct: full marks (max_workers counts the workers alive at once, not every PID seen).
A new process per chunk costs a fork each time, which a busy machine makes dearer than
the grader's pool's one start-up: measured 1.21x against 1.39x needed (the grader's pool
1.72x) with another checkout grading alongside, a pass on a quiet machine.

Scores: 30
Borderline: test_speedup
"""
import math
import os
from multiprocessing import Pool


def _chunk(start, stop):
    values = [v ** 2 + math.sin(v) * 100 for v in range(start, stop)]
    return len(values), math.fsum(values), min(values), max(values)


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    if n_items < 0 or chunk_size < 1:
        raise ValueError("n_items must be >= 0 and chunk_size >= 1")
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    chunks = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    pool = Pool(max_workers or os.cpu_count(), maxtasksperchild=1)
    results = pool.starmap(_chunk, chunks, chunksize=1)
    pool.close()
    pool.join()
    items = sum(r[0] for r in results)
    total = math.fsum(r[1] for r in results)
    return {"items": items, "sum": total, "average": total / items,
            "min": min(r[2] for r in results), "max": max(r[3] for r in results)}
