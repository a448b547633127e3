"""Hostile: computes every item in the caller itself, while two child processes burn CPU
beside it, so that "some child used CPU" would credit it with parallel work. The kernel's
count puts the work where it was done: in the caller, whose own CPU is far more than
shipping a few tasks costs. It earns what a plain loop (the broken variant sequential)
earns: the results tests' 9 points, none of the tests that need work done in workers.
Scores: 9
"""
import multiprocessing


def _burn(seconds):
    import time
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def parallel_map(func, items, max_workers=None) -> list:
    items = list(items)
    if not items:
        return []
    ctx = multiprocessing.get_context("fork")
    decoys = [ctx.Process(target=_burn, args=(0.3,)) for _ in range(2)]
    for d in decoys:
        d.start()
    try:
        return [func(x) for x in items]
    finally:
        for d in decoys:
            d.join()
