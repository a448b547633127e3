"""Borderline: the reference's measuring (thread_time against perf_counter, one to three
items), but a process pool only above 0.35 s of estimated work ("a forkserver pool costs
more than the lesson's 0.1 s"). The graded thinking work is sized from the pool's measured
start-up (at least 0.4 s): its estimate lands just above or below 0.35 s depending on the
machine's moment, and so do the thinking-work choices.

Scores: 32
Borderline: test_thinking_work_picks_processes, test_choice_comes_from_measuring,
    test_run_best_thinking_work_in_processes
"""
import gc
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

THREADS_WORTH = 0.05
PROCESSES_WORTH = 0.35


def _decide(func, items):
    done, wall, cpu = [], 0.0, 0.0
    gc.disable()
    try:
        for x in items[:3]:
            w, c = time.perf_counter(), time.thread_time()
            done.append(func(x))
            wall += time.perf_counter() - w
            cpu += time.thread_time() - c
            if wall >= 0.02:
                break
    finally:
        gc.enable()
    if not done:
        return "sequential", done
    total = wall / len(done) * len(items)
    if cpu < 0.5 * wall:
        return ("threads" if total >= THREADS_WORTH else "sequential"), done
    if total >= PROCESSES_WORTH and len(os.sched_getaffinity(0)) >= 2:
        return "processes", done
    return "sequential", done


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
