"""The contract kept (validation, empty input, exact sums) but no pool at all: one
researcher computes every chunk in the calling process.

No pool did any work, so the hygiene tests (no worker left behind, start methods,
max_workers) have nothing to grade and give no points either.

Fails: test_runs_in_several_processes, test_speedup, test_no_child_left_behind,
test_start_methods[spawn], test_start_methods[forkserver], test_max_workers_respected
"""
import math


def _crunch_chunk(start, stop):
    values = [value ** 2 + math.sin(value) * 100 for value in range(start, stop)]
    return len(values), math.fsum(values), min(values), max(values)


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    """The lesson's section III data processing, in one process."""
    if n_items < 0:
        raise ValueError(f"n_items must be >= 0, not {n_items}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, not {chunk_size}")
    if n_items == 0:
        return {'items': 0, 'sum': 0.0, 'average': None, 'min': None, 'max': None}
    results = [_crunch_chunk(start, min(start + chunk_size, n_items))
               for start in range(0, n_items, chunk_size)]
    items = sum(r[0] for r in results)
    total = math.fsum(r[1] for r in results)
    return {'items': items, 'sum': total, 'average': total / items,
            'min': min(r[2] for r in results), 'max': max(r[3] for r in results)}
