"""Hostile: computes every value in the caller, while two child processes burn CPU beside
it (so "child processes used CPU" would credit it with parallel work). The kernel's count
puts the work in the caller (it used about three times the decoys' CPU): it loses the
in-processes and speedup tests, like the broken variant sequential. Its decoys are child
processes it starts and stops, so the hygiene tests grade them (sequential, with no
process at all, gets no hygiene points): no leak, any start method; but two of them alive
with max_workers=1 cost it the max_workers test.
Scores: 20
"""
import math
import multiprocessing


def _burn(seconds):
    import time
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    if n_items < 0 or chunk_size < 1:
        raise ValueError("n_items must be >= 0 and chunk_size >= 1")
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    ctx = multiprocessing.get_context("fork")
    decoys = [ctx.Process(target=_burn, args=(0.4,)) for _ in range(2)]
    for d in decoys:
        d.start()
    try:
        values = [v ** 2 + math.sin(v) * 100 for v in range(n_items)]
    finally:
        for d in decoys:
            d.join()
    total = math.fsum(values)
    return {"items": n_items, "sum": total, "average": total / n_items,
            "min": min(values), "max": max(values)}
