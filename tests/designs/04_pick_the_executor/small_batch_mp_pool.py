"""Correct alternative: times a small batch (the first two items, as one) with
time.perf_counter and time.thread_time, decides on the batch's total and CPU share, and
runs with multiprocessing's own pools: multiprocessing.pool.ThreadPool for waiting work,
multiprocessing.Pool with a chunksize for thinking work (no concurrent.futures at all).
The batch's results are kept and put first.

Scores: 32

Its own timing of the batch costs about 1 ms on top of the 1 ms loop for 500 tiny items:
under a CI run with a second checkout grading and more alongside (2026-12-02), the old
fixed rounds (the fastest of 5) put it at 4.3 ms against a bar of 4.2 ms. The race now
goes on until it is plain (a call that does nothing timed in the same rounds); one too
close to call passes flagged.

Borderline: test_run_best_tiny_near_best
"""
import gc
import os
import time
from multiprocessing import Pool
from multiprocessing.pool import ThreadPool

BATCH = 2
WORTH_A_POOL = 0.1


def _cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _decide(func, items):
    batch = items[:BATCH]
    if not batch:
        return "sequential", []
    gc.disable()
    try:
        wall, cpu = time.perf_counter(), time.thread_time()
        done = [func(x) for x in batch]
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    finally:
        gc.enable()
    if wall / len(batch) * len(items) < WORTH_A_POOL:
        return "sequential", done
    if cpu < 0.3 * wall:
        return "threads", done
    return ("processes" if _cpus() >= 2 else "sequential"), done


def choose_executor(func, items) -> str:
    return _decide(func, list(items))[0]


def run_best(func, items) -> list:
    items = list(items)
    choice, done = _decide(func, items)
    rest = items[len(done):]
    if not rest:
        return done
    if choice == "threads":
        with ThreadPool(min(32, len(rest))) as pool:
            return done + pool.map(func, rest)
    if choice == "processes":
        workers = min(_cpus(), len(rest))
        with Pool(workers) as pool:
            out = pool.map(func, rest, chunksize=max(1, len(rest) // (4 * workers)))
        return done + out
    return done + [func(x) for x in rest]
