"""Assignment 5, reference solution: the lesson's section III data processing, chunked
over a process pool, the chunks' results combined without losing precision."""
import math
import os
from concurrent.futures import ProcessPoolExecutor


def _available_cpus() -> int:
    """The CPUs this process may run on (its affinity), not the machine's total."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):          # macOS, Windows
        return os.cpu_count() or 1


def _crunch_chunk(start, stop):
    """Runs in a worker: one chunk, values start..stop-1. Module level, so spawn and
    forkserver workers find it by name. Returns (count, exact sum, min, max)."""
    values = [value ** 2 + math.sin(value) * 100 for value in range(start, stop)]
    return len(values), math.fsum(values), min(values), max(values)


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    """The lesson's section III data processing: for value in range(n_items) compute
    value**2 + math.sin(value) * 100, in chunks spread over a process pool. Returns
    {'items', 'sum', 'average', 'min', 'max'}; for n_items == 0 the last three are None;
    n_items < 0 or chunk_size < 1 raise ValueError."""
    if n_items < 0:
        raise ValueError(f"n_items must be >= 0, not {n_items}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, not {chunk_size}")
    if max_workers is not None and max_workers < 1:
        raise ValueError(f"max_workers must be >= 1, not {max_workers}")
    if n_items == 0:
        return {'items': 0, 'sum': 0.0, 'average': None, 'min': None, 'max': None}

    chunks = [(start, min(start + chunk_size, n_items))      # the last one may be shorter
              for start in range(0, n_items, chunk_size)]
    workers = min(max_workers or _available_cpus(), len(chunks))
    with ProcessPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(_crunch_chunk, start, stop) for start, stop in chunks]
        results = [future.result() for future in futures]

    items = sum(count for count, _, _, _ in results)
    total = math.fsum(partial for _, partial, _, _ in results)   # not an average of averages
    return {
        'items': items,
        'sum': total,
        'average': total / items,
        'min': min(low for _, _, low, _ in results),
        'max': max(high for _, _, _, high in results),
    }
