"""The grader's own process pools, started the way the student's were.

A pool's start-up depends on its start method: fork copies the caller (a few ms), spawn
starts a fresh interpreter per worker and forkserver forks them from a server process
(~0.1-0.2 s, more on a busy machine), and spawn and forkserver also register the pool's
locks with multiprocessing's resource tracker (writes into its pipe). Where a contract
allows any start method and a threshold counts a pool's start-up (its time, its pipe
writes), the grader reads which method the student's workers were started with (their
command lines, from the kernel: `start_method_of`) and measures a pool of that method
here (`startup_seconds`, `startup_writes`), instead of assuming fork's costs.
"""
from __future__ import annotations

import multiprocessing
import os
import statistics
from concurrent.futures import ProcessPoolExecutor

from ..grading import procfs
from . import timing
from .hygiene import is_multiprocessing_helper

def start_method_of(cpu) -> str:
    """fork, forkserver or spawn: how the worker processes a TreeCpu saw were started,
    read off their command lines (a spawned worker runs multiprocessing.spawn's main, one
    forked by a fork server carries the server's command line, a forked one its
    parent's). 'fork' when no worker was seen."""
    lines = [" ".join(cpu.cmdlines.get(p, [])) for p in cpu.workers()]
    if any("multiprocessing.forkserver" in line for line in lines):
        return "forkserver"
    if any("multiprocessing.spawn" in line or "--multiprocessing-fork" in line
           for line in lines):
        return "spawn"
    return "fork"


def worker_start_method(cmdline: list[str], parent_cmdline: list[str]) -> str:
    """fork, spawn or forkserver, from what the kernel shows of one worker process and
    its parent (assignment 5 reads every worker's)."""
    if any("multiprocessing.spawn" in arg for arg in cmdline):
        return "spawn"
    if is_multiprocessing_helper(parent_cmdline) and \
            any("forkserver" in arg for arg in parent_cmdline):
        return "forkserver"
    return "fork"


def context(method: str):
    """The multiprocessing context of `method` (this platform's default if unavailable)."""
    if method in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context(method)
    return multiprocessing.get_context()


def _executor_once(method: str, workers: int) -> None:
    with ProcessPoolExecutor(max_workers=workers, mp_context=context(method)) as executor:
        list(executor.map(abs, range(workers)))


def _pool_once(method: str, workers: int) -> None:
    with context(method).Pool(workers) as pool:
        pool.map(abs, range(workers), chunksize=1)


def startup_seconds(method: str, workers: int, repeats: int = 3) -> float:
    """Wall time to start a ProcessPoolExecutor of `workers` workers with `method`, run
    one trivial task per worker and shut it down: the median of `repeats` (the first use
    of forkserver, which starts the server, is left out)."""
    _executor_once(method, workers)
    return statistics.median(timing.time_call(lambda: _executor_once(method, workers))
                             for _ in range(repeats))


_WRITES: dict[tuple[str, int], int] = {}


def _writes_of(run) -> int:
    before = procfs.io(os.getpid()).get("syscw", 0)
    run()
    return procfs.io(os.getpid()).get("syscw", 0) - before


def startup_writes(method: str, workers: int) -> int:
    """Pipe writes the caller makes to start and stop a pool of `workers` workers with
    `method` beyond what a fork pool makes (one trivial task per worker, the larger of a
    ProcessPoolExecutor's and a multiprocessing.Pool's), measured once per grading."""
    key = (method, workers)
    if key not in _WRITES:
        def most(m: str) -> int:
            _executor_once(m, workers)          # a fork server started outside the count
            return max(min(_writes_of(lambda once=once: once(m, workers)) for _ in range(2))
                       for once in (_executor_once, _pool_once))
        _WRITES[key] = 0 if method == "fork" else max(0, most(method) - most("fork"))
    return _WRITES[key]
