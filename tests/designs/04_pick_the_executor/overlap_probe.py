"""Correct alternative, near one edge: no CPU clock at all. It times the first item alone,
then the next two in two threads at once: waiting work overlaps (the pair takes about one
item's time), thinking work takes turns on the GIL (about two items' time). Each timing
leaves out what the kernel says its threads spent queued for a busy CPU
(/proc/thread-self/schedstat), so a loaded machine stretches neither the lone item nor
the pair into the other's answer. Three calls, but the pair of thinking items costs two
items' time: on 16 x 25 ms of thinking work the sample is ~75 ms of a 100 ms allowance,
and three items' time of thinking work is done in one process before the pool starts, so
on a busy machine its sampling-cost and speedup verdicts are close calls (flagged when
the rounds cannot tell).

An earlier version timed wall clock only: under the heavy sweep (2026-12-02) a lone item
slowed by a busy CPU made thinking work look like overlapping waits, and its own choices
for thinking work went either way, grading to grading.

Scores: 32
Borderline: test_sampling_costs_little_thinking, test_run_best_thinking_work_in_processes
"""
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def _queued() -> float:
    """Seconds this thread has waited for a free CPU (Linux; elsewhere 0)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _decide(func, items):
    if not items:
        return "sequential", []
    queued, start = _queued(), time.perf_counter()
    done = [func(items[0])]
    alone = max(time.perf_counter() - start - (_queued() - queued), 1e-9)
    if alone * len(items) < 0.1 or len(items) < 3:
        return "sequential", done
    pair, waited = [None, None], [0.0, 0.0]

    def one(i):
        queued = _queued()
        pair[i] = func(items[1 + i])
        waited[i] = _queued() - queued

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    together = max(time.perf_counter() - start - sum(waited), 0.0)
    done += pair
    if together < 1.5 * alone:
        return "threads", done              # the two waits overlapped
    return ("processes" if len(os.sched_getaffinity(0)) >= 2 else "sequential"), done


def choose_executor(func, items) -> str:
    return _decide(func, list(items))[0]


def run_best(func, items) -> list:
    items = list(items)
    choice, done = _decide(func, items)
    rest = items[len(done):]
    if choice == "threads" and rest:
        with ThreadPoolExecutor(min(32, len(rest))) as pool:
            return done + list(pool.map(func, rest))
    if choice == "processes" and rest:
        workers = min(len(os.sched_getaffinity(0)), len(rest))
        with ProcessPoolExecutor(workers) as pool:
            return done + list(pool.map(func, rest, chunksize=max(1, len(rest) // (4 * workers))))
    return done + [func(x) for x in rest]
