"""Flawed: every worker returns the list of its chunk's values, and the parent combines
all of them (math.fsum, min, max over a million floats). The results are right and the
values are computed in the workers, but unpickling and combining every value costs the
caller about as much CPU as the workers used (0.7-0.9 x theirs; the README: your own
process must stay small), and it is slower than one process (about 0.9x). It loses the
in-processes test (the caller did much of the work) and the speedup test (no parallel
work to show, for the same reason); its hygiene is graded, since the workers did compute.
Scores: 22
"""
import math
from concurrent.futures import ProcessPoolExecutor


def _chunk(start, stop):
    return [v ** 2 + math.sin(v) * 100 for v in range(start, stop)]


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    if n_items < 0 or chunk_size < 1:
        raise ValueError("n_items must be >= 0 and chunk_size >= 1")
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    starts = range(0, n_items, chunk_size)
    with ProcessPoolExecutor(max_workers=max_workers) as executor:
        futures = [executor.submit(_chunk, s, min(s + chunk_size, n_items)) for s in starts]
        values = [v for f in futures for v in f.result()]
    total = math.fsum(values)
    return {"items": len(values), "sum": total, "average": total / len(values),
            "min": min(values), "max": max(values)}
