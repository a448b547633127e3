"""The lesson's keyword helper, applied to the function's name and docstring: it never
measures anything. The graded workloads are called task_1, task_2, ... and have no
docstring, so every one of them is "unclear -> start with threads": thinking work and tiny
work get threads too.

Fails: test_thinking_work_picks_processes, test_tiny_work_stays_sequential,
    test_small_thinking_work_stays_sequential, test_run_best_thinking_work_in_processes,
    test_run_best_tiny_near_best,
    test_choice_comes_from_measuring
"""
import math
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

IO_INDICATORS = ['download', 'upload', 'request', 'database', 'file', 'api', 'network']
CPU_INDICATORS = ['calculate', 'compute', 'process', 'analyze', 'transform']


def choose_executor(func, items) -> str:
    """'sequential', 'threads' or 'processes' for running func over items. May call func on a
    few items to measure it."""
    task_lower = f"{getattr(func, '__name__', '')} {func.__doc__ or ''}".lower()
    is_io_bound = any(word in task_lower for word in IO_INDICATORS)
    is_cpu_bound = any(word in task_lower for word in CPU_INDICATORS)
    if is_io_bound and not is_cpu_bound:
        return "threads"
    if is_cpu_bound and not is_io_bound:
        return "processes"
    return "threads"                       # FLAW: "start with threads" for everything unnamed


def run_best(func, items) -> list:
    """[func(x) for x in items], run the way choose_executor picks."""
    items = list(items)
    if not items:
        return []
    choice = choose_executor(func, items)
    if choice == "threads":
        with ThreadPoolExecutor(max_workers=min(32, len(items))) as pool:
            return list(pool.map(func, items))
    if choice == "processes":
        workers = min(len(os.sched_getaffinity(0)), len(items))
        chunksize = max(1, math.ceil(len(items) / (4 * workers)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(func, items, chunksize=chunksize))
    return [func(item) for item in items]
