"""Always picks 'processes' ("processes are the real parallelism in Python"), without
measuring: waiting work gets one worker per core to wait with, and tiny work pays for
starting a process pool and shipping the items.

Fails: test_waiting_work_picks_threads, test_tiny_work_stays_sequential,
    test_run_best_waiting_near_best, test_mocked_requests_pick_threads,
    test_small_thinking_work_stays_sequential, test_run_best_tiny_near_best,
    test_choice_comes_from_measuring
"""
import math
import os
from concurrent.futures import ProcessPoolExecutor


def choose_executor(func, items) -> str:
    """'sequential', 'threads' or 'processes' for running func over items. May call func on a
    few items to measure it."""
    return "processes"                     # FLAW: whatever the work is


def run_best(func, items) -> list:
    """[func(x) for x in items], run the way choose_executor picks."""
    items = list(items)
    if not items:
        return []
    workers = min(len(os.sched_getaffinity(0)), len(items))
    chunksize = max(1, math.ceil(len(items) / (4 * workers)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items, chunksize=chunksize))
