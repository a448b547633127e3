"""Hostile: a pool that runs one chunk at a time (future.result() right after each
submit), with every chunk's result cached in memory and on disk by (start, stop), so the
timed rounds after the first cost nothing. Every timed round runs in a fresh process with
chunks of its own: the cache never hits, and it earns what its one-chunk-at-a-time pool
earns (the speedup test only lost; on a machine too busy to show a speedup too, since the
kernel's runnable time shows its workers never computed together).
Scores: 26
Says: ran one at a time
"""
import json
import math
import os
from concurrent.futures import ProcessPoolExecutor

_CACHE = {}
_FILE = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ck-crunch-cache.json")


def _chunk(start, stop):
    values = [v ** 2 + math.sin(v) * 100 for v in range(start, stop)]
    return len(values), math.fsum(values), min(values), max(values)


def _load():
    try:
        with open(_FILE) as f:
            _CACHE.update({tuple(json.loads(k)): tuple(v) for k, v in json.load(f).items()})
    except (OSError, ValueError):
        pass


def _save():
    try:
        with open(_FILE, "w") as f:
            json.dump({json.dumps(list(k)): v for k, v in _CACHE.items()}, f)
    except OSError:
        pass


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    if n_items < 0 or chunk_size < 1:
        raise ValueError("n_items must be >= 0 and chunk_size >= 1")
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    _load()
    chunks = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    results = []
    with ProcessPoolExecutor(max_workers=max_workers or 2) as executor:
        for start, stop in chunks:
            if (start, stop) not in _CACHE:
                _CACHE[(start, stop)] = executor.submit(_chunk, start, stop).result()
            results.append(_CACHE[(start, stop)])
    _save()
    total = math.fsum(r[1] for r in results)
    items = sum(r[0] for r in results)
    return {"items": items, "sum": total, "average": total / items,
            "min": min(r[2] for r in results), "max": max(r[3] for r in results)}
