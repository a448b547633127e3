"""Correct alternative: the reference's measuring (thread_time against perf_counter, one
to three items, the time queued for a CPU left out), but a process pool only above 0.2 s
of estimated work, twice the lesson's 0.1 s ("a forkserver pool costs more than that").
The graded thinking work is sized from the pool's measured start-up, at least 0.4 s, so
its estimate stays above 0.2 s on a busy machine too, and every choice is the same every
time.

An earlier version put the threshold at 0.35 s, within noise of the smallest graded work,
and measured the CPU share without the queued time: under the heavy sweep (2026-12-02)
its own choices for thinking work went either way, grading to grading. That is the
submission's coin, not the grader's, and no grader can make it land the same way: the
graded work is sized at 4x the lesson's threshold so that any threshold up to 2x is decided
alike every time.

Scores: 32
"""
import gc
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

THREADS_WORTH = 0.05
PROCESSES_WORTH = 0.2


def _queued() -> float:
    """Seconds this thread has waited for a free CPU (Linux; elsewhere 0)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _decide(func, items):
    done, wall, cpu, queued = [], 0.0, 0.0, 0.0
    gc.disable()
    try:
        for x in items[:3]:
            q, w, c = _queued(), time.perf_counter(), time.thread_time()
            done.append(func(x))
            wall += time.perf_counter() - w
            cpu += time.thread_time() - c
            queued += _queued() - q
            if wall >= 0.02:
                break
    finally:
        gc.enable()
    if not done:
        return "sequential", done
    running = max(wall - queued, 1e-9)      # queued for a busy CPU: neither kind of work
    total = running / len(done) * len(items)
    if cpu < 0.5 * running:
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
