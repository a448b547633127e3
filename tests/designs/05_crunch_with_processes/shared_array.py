"""Hand-made processes and shared memory: max_workers multiprocessing.Process, each
taking every max_workers-th chunk and writing each chunk's (count, sum, min, max) into
its slots of a shared multiprocessing.Array; the parent joins them and combines.
Correct: full marks.
Scores: 30
"""
import math
import multiprocessing
import os


def _chunk(start, stop):
    values = [v ** 2 + math.sin(v) * 100 for v in range(start, stop)]
    return len(values), math.fsum(values), min(values), max(values)


def _worker(chunks, out, first, step):
    for i in range(first, len(chunks), step):
        out[4 * i:4 * i + 4] = _chunk(*chunks[i])


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    if n_items < 0 or chunk_size < 1:
        raise ValueError("n_items must be >= 0 and chunk_size >= 1")
    if max_workers is not None and max_workers < 1:
        raise ValueError("max_workers must be >= 1")
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    chunks = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    workers = min(max_workers or os.cpu_count(), len(chunks))
    out = multiprocessing.Array("d", 4 * len(chunks), lock=False)
    procs = [multiprocessing.Process(target=_worker, args=(chunks, out, w, workers))
             for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    if any(p.exitcode != 0 for p in procs):
        raise RuntimeError("a worker process failed")
    rows = [out[4 * i:4 * i + 4] for i in range(len(chunks))]
    items = int(sum(r[0] for r in rows))
    total = math.fsum(r[1] for r in rows)
    return {"items": items, "sum": total, "average": total / items,
            "min": min(r[2] for r in rows), "max": max(r[3] for r in rows)}
