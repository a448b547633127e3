"""Guesses from the number of items alone, never calling func: few or very many items
stay sequential, a middling number go to processes, more to threads. Tuned to the sizes
of the other tests' workloads, it answers each of them "right"; three workloads of the
same size that wait, think and do almost nothing get one answer, and func was never
called to tell them apart.

Fails: test_choice_comes_from_measuring
"""
import math
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def choose_executor(func, items) -> str:
    """'sequential', 'threads' or 'processes' for running func over items. May call func on a
    few items to measure it."""
    n = len(list(items))
    if n <= 10 or n >= 100:                # FLAW: the size says nothing about the work
        return "sequential"
    if n < 20 or n == 24:
        return "processes"
    return "threads"


def run_best(func, items) -> list:
    """[func(x) for x in items], run the way choose_executor picks."""
    items = list(items)
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
