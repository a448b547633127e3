"""ProcessPoolExecutor.map with chunksize=2: two chunks shipped per task message.
Correct: full marks.
Scores: 30
"""
import math
from concurrent.futures import ProcessPoolExecutor


def _chunk(start, stop):
    values = [v ** 2 + math.sin(v) * 100 for v in range(start, stop)]
    return len(values), math.fsum(values), min(values), max(values)


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    if n_items < 0 or chunk_size < 1:
        raise ValueError("n_items must be >= 0 and chunk_size >= 1")
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    starts = list(range(0, n_items, chunk_size))
    stops = [min(s + chunk_size, n_items) for s in starts]
    with ProcessPoolExecutor(max_workers=max_workers) as executor:
        results = list(executor.map(_chunk, starts, stops, chunksize=2))
    items = sum(r[0] for r in results)
    total = math.fsum(r[1] for r in results)
    return {"items": items, "sum": total, "average": total / items,
            "min": min(r[2] for r in results), "max": max(r[3] for r in results)}
