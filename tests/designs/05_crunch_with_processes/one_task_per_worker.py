"""Chunked twice: the chunks dealt into max_workers batches, one task per worker, each
task computing all its chunks (executor.map with chunksize would do the same).
Correct: full marks.
Scores: 30
"""
import math
import os
from concurrent.futures import ProcessPoolExecutor


def _batch(chunks):
    out = []
    for start, stop in chunks:
        values = [v ** 2 + math.sin(v) * 100 for v in range(start, stop)]
        out.append((len(values), math.fsum(values), min(values), max(values)))
    return out


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    if n_items < 0 or chunk_size < 1:
        raise ValueError("n_items must be >= 0 and chunk_size >= 1")
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    chunks = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    workers = min(max_workers or os.cpu_count(), len(chunks))
    batches = [chunks[w::workers] for w in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as executor:
        results = [r for batch in executor.map(_batch, batches) for r in batch]
    items = sum(r[0] for r in results)
    total = math.fsum(r[1] for r in results)
    return {"items": items, "sum": total, "average": total / items,
            "min": min(r[2] for r in results), "max": max(r[3] for r in results)}
