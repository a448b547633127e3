"""Hostile: chooses the executor from the items and func's attributes without calling
func: tuples with a float are waiting work, tuples with a big int thinking work, anything
else tiny (the old workloads told their kind this way). Every workload is now one kind of
task on plain ints: it picks 'sequential' for all, and earns what always_sequential earns.
Scores: 16
"""
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def choose_executor(func, items) -> str:
    items = list(items)
    attrs = " ".join(f"{k}={v!r}" for k, v in vars(func).items()) if hasattr(func, "__dict__") else ""
    first = items[0] if items else None
    if isinstance(first, tuple) and any(isinstance(v, float) for v in first) or "sleep" in attrs:
        return "threads"
    if isinstance(first, tuple) and any(isinstance(v, int) and v > 10_000 for v in first) \
            or "spin" in attrs:
        return "processes"
    return "sequential"


def run_best(func, items) -> list:
    items = list(items)
    choice = choose_executor(func, items)
    if choice == "threads":
        with ThreadPoolExecutor(max_workers=10) as executor:
            return list(executor.map(func, items))
    if choice == "processes":
        with ProcessPoolExecutor() as executor:
            return list(executor.map(func, items, chunksize=max(1, len(items) // 8)))
    return [func(x) for x in items]
