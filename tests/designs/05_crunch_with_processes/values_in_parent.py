"""Flawed: the parent computes every value, then hands each chunk's list of values to a
pool that only adds them up (math.fsum, min, max). The results are right and worker
processes run, but the thinking was done in the caller (about 2.3 x the workers' CPU): it
loses the in-processes test (the caller did much of the work) and the speedup test. Its
pool does a real part of the work (adding up), so its hygiene is graded, and is right.
Scores: 22
"""
import math
from concurrent.futures import ProcessPoolExecutor


def _combine(values):
    return len(values), math.fsum(values), min(values), max(values)


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    if n_items < 0 or chunk_size < 1:
        raise ValueError("n_items must be >= 0 and chunk_size >= 1")
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    lists = [[v ** 2 + math.sin(v) * 100 for v in range(s, min(s + chunk_size, n_items))]
             for s in range(0, n_items, chunk_size)]
    with ProcessPoolExecutor(max_workers=max_workers) as executor:
        results = list(executor.map(_combine, lists))
    items = sum(r[0] for r in results)
    total = math.fsum(r[1] for r in results)
    return {"items": items, "sum": total, "average": total / items,
            "min": min(r[2] for r in results), "max": max(r[3] for r in results)}
