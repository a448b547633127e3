"""Alternative, right on an idle machine: one sampled item, its CPU time from
resource.getrusage (RUSAGE_THREAD, the kernel's count for this thread) against the wall
time; waiting work runs in hand-made threading.Thread workers fed from a queue.Queue and
joined, thinking work in a ProcessPoolExecutor with a chunksize. Results land in a list by
index, so the order is the input's. It never allows for a busy machine (hint 5): when
other programs keep both cores busy, a 20 ms thinking sample gets less than 40% of a core
and is taken for waiting work (graded twice under load: 32, then 30 on the look-alike test).

Scores: 32
Borderline: test_thinking_work_picks_processes, test_choice_comes_from_measuring,
    test_run_best_thinking_work_in_processes
"""
import os
import queue
import resource
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def _thread_cpu():
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def _decide(func, items):
    if not items:
        return "sequential", []
    wall, cpu = time.perf_counter(), _thread_cpu()
    first = func(items[0])
    wall, cpu = time.perf_counter() - wall, _thread_cpu() - cpu
    if wall * len(items) < 0.1:
        return "sequential", [first]
    if cpu < 0.4 * wall:
        return "threads", [first]
    return ("processes" if len(os.sched_getaffinity(0)) >= 2 else "sequential"), [first]


def choose_executor(func, items) -> str:
    return _decide(func, list(items))[0]


def _threads(func, items, workers):
    out = [None] * len(items)
    todo = queue.Queue()
    for pair in enumerate(items):
        todo.put(pair)

    def work():
        while True:
            try:
                i, x = todo.get_nowait()
            except queue.Empty:
                return
            out[i] = func(x)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def run_best(func, items) -> list:
    items = list(items)
    choice, done = _decide(func, items)
    rest = items[len(done):]
    if choice == "threads" and rest:
        return done + _threads(func, rest, min(32, len(rest)))
    if choice == "processes" and rest:
        workers = min(len(os.sched_getaffinity(0)), len(rest))
        with ProcessPoolExecutor(workers) as pool:
            return done + list(pool.map(func, rest, chunksize=max(1, len(rest) // (3 * workers))))
    return done + [func(x) for x in rest]
