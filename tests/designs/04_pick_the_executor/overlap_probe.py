"""Correct alternative, near one edge: no CPU clock at all. It times the first item alone,
then the next two in two threads at once: waiting work overlaps (the pair takes about one
item's time), thinking work takes turns on the GIL (about two items' time). Three calls,
but the pair of thinking items costs two items' time: on 16 x 25 ms of thinking work the
sample is ~75 ms of a 100 ms allowance, and three items' time of thinking work is done
in one process before the pool starts, so on a busy machine its sampling-cost and
speedup verdicts may go either way; and a busy machine can stretch the pair of waiting
items too, or squeeze the thinking pair into one item's time (a core freed between them),
so its own choices for thinking work are the machine's as much as the work's.

Scores: 32
Borderline: test_sampling_costs_little_thinking, test_run_best_thinking_work_in_processes,
    test_thinking_work_picks_processes, test_choice_comes_from_measuring
"""
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def _decide(func, items):
    if not items:
        return "sequential", []
    start = time.perf_counter()
    done = [func(items[0])]
    alone = time.perf_counter() - start
    if alone * len(items) < 0.1 or len(items) < 3:
        return "sequential", done
    pair = [None, None]

    def one(i):
        pair[i] = func(items[1 + i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    together = time.perf_counter() - start
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
