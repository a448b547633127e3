"""Hostile: sends func once, through the pool's initializer, then ships every item on its
own as a bare index (the pickle count of the old grader read 0 tasks shipped). The kernel
counts the caller's writes into the pool's pipes, one or two per task: it earns what the
per-item pool (the broken variant per_item_submit) earns.
Scores: 21
"""
from concurrent.futures import ProcessPoolExecutor

_FUNC = None


def _init(func):
    global _FUNC
    _FUNC = func


def _call(x):
    return _FUNC(x)


def parallel_map(func, items, max_workers=None) -> list:
    items = list(items)
    if not items:
        return []
    with ProcessPoolExecutor(max_workers=max_workers or 2, initializer=_init,
                             initargs=(func,)) as executor:
        return list(executor.map(_call, items))
