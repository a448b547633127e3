"""run_best asks choose_executor for the choice and then runs every item the chosen way:
the items timed while choosing are run a second time (their results thrown away).

It times one item, not the reference's up to three: the one bug this variant shows is the
item run twice (an extra call the judge's ledger counts). Rerunning the two items a
thinking sample takes costs a twelfth of the work on top of the sample itself, which put
its speedup right at the bar of test_run_best_thinking_work_in_processes (1.17x against
1.26x in one grading of a busy machine, above it in others): a second bug by accident.
(Since 2026-12-03 that bar comes from a grader's run that samples three items first, as a
correct design may, so it sits lower still.)

Fails: test_run_best_reuses_samples
"""
import gc
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

SAMPLE_ITEMS = 1       # this many items are timed (see above)...
SAMPLE_SECONDS = 0.02  # ...and sampling stops early once it has measured this much
WORTH_A_POOL = 0.1     # seconds of total work below which a pool costs more than it saves
THINKING_SHARE = 0.5   # CPU time / wall time: at least this much of a core = thinking
WAITING_SHARE = 0.1    # below this = waiting, whatever the machine (sleeps, network: ~0.01-0.05)
MAX_THREADS = 32


def _usable_cpus() -> int:
    """CPUs this process may run on (os.cpu_count() counts CPUs it may be barred from)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def _time_waiting_for_a_cpu() -> float:
    """Seconds this thread has spent ready to run but waiting for a free CPU (Linux only;
    elsewhere 0). On a busy machine that time is neither thinking nor waiting work."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _sample(func, items):
    """Run func on the first few items, timing each.

    Returns (results, wall, cpu, queued): wall time, CPU time of this thread, and the
    part of the wall time spent queued for a CPU rather than running or waiting."""
    results, wall, cpu, queued = [], 0.0, 0.0, 0.0
    # Like timeit: no garbage collection while timing. A full collection in a big program
    # takes tens of milliseconds of CPU, which would be counted as this call's work and
    # make a short wait look like thinking (or tiny work look big).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for item in items[:SAMPLE_ITEMS]:
            queued_start = _time_waiting_for_a_cpu()
            wall_start, cpu_start = time.perf_counter(), time.thread_time()
            results.append(func(item))
            cpu += time.thread_time() - cpu_start
            wall += time.perf_counter() - wall_start
            queued += _time_waiting_for_a_cpu() - queued_start
            if wall >= SAMPLE_SECONDS:
                break
    finally:
        if gc_was_enabled:
            gc.enable()
    return results, wall, cpu, queued


def _share_of_a_core_now(seconds=0.01) -> float:
    """CPU time / wall time of pure thinking right now: a loop timed like the sample.

    On an idle machine about 1.0. When other programs keep the cores busy, a thinking
    thread gets only part of one, and the sample's own share drops by as much."""
    queued_start = _time_waiting_for_a_cpu()
    wall_start, cpu_start = time.perf_counter(), time.thread_time()
    while time.perf_counter() - wall_start < seconds:
        pass
    cpu, wall = time.thread_time() - cpu_start, time.perf_counter() - wall_start
    return cpu / max(wall - (_time_waiting_for_a_cpu() - queued_start), 1e-9)


def _mostly_waiting(wall, cpu, queued=0.0) -> bool:
    """Did the sample spend most of its time waiting (GIL released) rather than thinking?"""
    # Time spent queued for a busy CPU is not waiting work: leave it out.
    share = cpu / max(wall - queued, 1e-9)
    if WAITING_SHARE <= share < THINKING_SHARE:
        # In between: a busy machine (where the queued time is unknown), or work that is
        # half waiting? Compare with how much of a core pure thinking gets right now,
        # timed for as long as the sample took, within reason, to see the same weather.
        share /= max(_share_of_a_core_now(min(max(wall, 0.01), 0.1)), 0.05)
    return share < THINKING_SHARE


def _decide(func, items):
    """(choice, results of the sampled items)."""
    results, wall, cpu, queued = _sample(func, items)
    if not results:
        return "sequential", results
    # Estimated sequential time of all the work (time lost queued for a CPU is not work).
    total = (wall - queued) / len(results) * len(items)
    if total < WORTH_A_POOL:
        return "sequential", results
    if _mostly_waiting(wall, cpu, queued):
        return "threads", results              # mostly waiting: the GIL is free meanwhile
    if _usable_cpus() >= 2:
        return "processes", results            # thinking: one interpreter per core
    return "sequential", results               # thinking on one CPU: nothing to gain


def choose_executor(func, items) -> str:
    """'sequential', 'threads' or 'processes' for running func over items. May call func on a
    few items to measure it."""
    return _decide(func, list(items))[0]


def run_best(func, items) -> list:
    """[func(x) for x in items], run the way choose_executor picks."""
    items = list(items)
    choice, done = choose_executor(func, items), []
    rest = items                               # FLAW: the sample's work is done again
    if not rest:
        return done
    if choice == "threads":
        with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(rest))) as pool:
            return done + list(pool.map(func, rest))
    if choice == "processes":
        workers = min(_usable_cpus(), len(rest))
        chunksize = max(1, math.ceil(len(rest) / (4 * workers)))  # ~4 batches per worker
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return done + list(pool.map(func, rest, chunksize=chunksize))
    return done + [func(item) for item in rest]
