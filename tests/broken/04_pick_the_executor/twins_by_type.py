"""Measures once per kind of func and remembers the answer by func's type and the items'
type: the first workload it meets decides for every later one that looks the same. All
the graded workloads are one class with plain-int items, so after the first call every
answer is a guess; within one test the look-alike waiting, thinking and tiny workloads
get the first one's answer without func being called again.

Fails: test_choice_comes_from_measuring
"""
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

_SEEN = {}


def _queued():
    """Seconds this thread waited for a free CPU (Linux's schedstat; elsewhere 0)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _measure(func, items):
    """The fastest of up to three items, so a busy machine's hiccup on one call does not
    make tiny work look worth a pool, and its CPU share without the time spent queued for
    a CPU, so thinking on a busy machine still looks like thinking (the measuring is
    right; remembering it is the flaw)."""
    done, best_wall, best_share = [], float("inf"), 0.0
    for x in items[:3]:
        queued, wall, cpu = _queued(), time.perf_counter(), time.thread_time()
        done.append(func(x))
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        ran = max(wall - (_queued() - queued), 1e-9)
        if wall < best_wall:
            best_wall, best_share = wall, cpu / ran
    if best_wall * len(items) < 0.1:
        return "sequential", done
    return ("threads" if best_share < 0.5 else "processes"), done


def _decide(func, items):
    if not items:
        return "sequential", []
    look = (type(func).__qualname__, type(items[0]).__name__, len(items))
    if look in _SEEN:                      # FLAW: the same look is taken for the same work
        return _SEEN[look], []
    choice, done = _measure(func, items)
    _SEEN[look] = choice
    return choice, done


def choose_executor(func, items) -> str:
    """'sequential', 'threads' or 'processes' for running func over items. May call func on a
    few items to measure it."""
    return _decide(func, list(items))[0]


def run_best(func, items) -> list:
    """[func(x) for x in items], run the way choose_executor picks."""
    items = list(items)
    choice, done = _decide(func, items)
    items = items[len(done):]
    return done + _run(choice, func, items)


def _run(choice, func, items) -> list:
    if choice == "threads":
        with ThreadPoolExecutor(max_workers=min(32, len(items))) as pool:
            return list(pool.map(func, items))
    if choice == "processes":
        workers = min(len(os.sched_getaffinity(0)), len(items))
        chunksize = max(1, math.ceil(len(items) / (4 * workers)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(func, items, chunksize=chunksize))
    return [func(item) for item in items]
