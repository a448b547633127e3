"""Helpers shared by the visible and hidden tests of assignment 5 (plain functions and
one sampler; the fixtures are in conftest.py).

Nothing here is secret. The student's chunk function is their own, so the grader cannot
wrap it: the evidence that several processes did the work comes from the operating
system instead. `ChildCpu` samples, from a background thread, every process descended
from the grader while `crunch` runs and how much CPU time each has used.
"""
from __future__ import annotations

import functools
import math
import os
import threading
from concurrent.futures import ProcessPoolExecutor

import psutil

from autograder.checks import timing
from autograder.checks.hygiene import is_multiprocessing_helper

KEYS = ("items", "sum", "average", "min", "max")
REL = 1e-9          # sum and average: this close (relative) to math.fsum over all values


# ----------------------------------------------------------- the grader's own crunch

def value_of(value: int) -> float:
    """The lesson's formula (Pattern 2, process_data_chunk)."""
    return value ** 2 + math.sin(value) * 100


def _grader_chunk(start: int, stop: int) -> tuple:
    values = [value ** 2 + math.sin(value) * 100 for value in range(start, stop)]
    return len(values), math.fsum(values), min(values), max(values)


@functools.lru_cache(maxsize=None)
def expected(n_items: int) -> dict:
    """What crunch(n_items) must return: sum and average from math.fsum over all values."""
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    values = [value_of(v) for v in range(n_items)]
    total = math.fsum(values)
    return {"items": n_items, "sum": total, "average": total / n_items,
            "min": min(values), "max": max(values)}


def sequential_crunch(n_items: int) -> float:
    """The grader's one-process run of the same formula (the baseline for speedups)."""
    return math.fsum(value_of(v) for v in range(n_items))


def grader_pool_crunch(n_items: int, chunk_size: int, workers: int) -> float:
    """A pool the grader knows is right: the yardstick timed in the same rounds."""
    chunks = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    with ProcessPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(_grader_chunk, s, e) for s, e in chunks]
        return math.fsum(f.result()[1] for f in futures)


# ------------------------------------------------------------------- causes

ONE_PROCESS = (
    "the values were computed in one process: no pool at all, or threads (the GIL lets "
    "one thread think at a time: 'One researcher with helpers (threads): still limited by "
    "one brain'), or every value in one chunk. CPU-bound work needs a ProcessPoolExecutor "
    "and one task per chunk: executor.submit(chunk_function, start, stop) for every chunk, "
    "then collect the results")

UNEVEN = (
    "the last chunk is shorter when n_items is not a multiple of chunk_size, and it got "
    "lost or miscounted: build the chunks as range(start, min(start + chunk_size, "
    "n_items)) for start in range(0, n_items, chunk_size), and combine the chunks' "
    "results by their real sizes. An average of the chunks' averages weighs the short "
    "last chunk like a full one: add up the sums and counts, then divide once")

SPAWN = (
    "a worker started with spawn or forkserver is a fresh interpreter: it imports your "
    "module and finds only what is defined at its top level. A chunk function defined "
    "inside crunch, a lambda, or a module global the parent set before starting the "
    "pool (only fork copies it) does not get there: pass everything a chunk needs as "
    "arguments of a module-level function")

LEAK = (
    "the pool was never shut down, so its worker processes outlive the call: use "
    "`with ProcessPoolExecutor(...) as executor:` (its exit waits for the workers), or "
    "call executor.shutdown(wait=True) before returning")


# ------------------------------------------------------------------- sampler

class ChildCpu:
    """Samples the grader's descendant processes every `interval` s in a thread:
    which PIDs existed and the CPU time (user + system) each had used, until stop().
    multiprocessing's resource tracker and fork server are not counted."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.cpu: dict[int, float] = {}
        self._helpers: set[int] = set()
        self._me = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ck-child-cpu", daemon=True)
        self._times0 = os.times()

    def __enter__(self) -> "ChildCpu":
        self._times0 = os.times()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        t = os.times()
        self.reaped_cpu = (t.children_user - self._times0.children_user
                           + t.children_system - self._times0.children_system)

    def _sample(self) -> None:
        try:
            children = self._me.children(recursive=True)
        except psutil.Error:
            return
        for child in children:
            pid = child.pid
            if pid in self._helpers:
                continue
            try:
                if pid not in self.cpu and is_multiprocessing_helper(child.cmdline()):
                    self._helpers.add(pid)
                    continue
                t = child.cpu_times()
                used = t.user + t.system
            except psutil.Error:
                continue
            if used >= self.cpu.get(pid, 0.0):
                self.cpu[pid] = used

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    # --------------------------------------------------------------- views
    @property
    def pids(self) -> set[int]:
        return set(self.cpu)

    @property
    def total(self) -> float:
        """CPU seconds used by child processes (sampled, or reaped if that saw more)."""
        return max(sum(self.cpu.values()), getattr(self, "reaped_cpu", 0.0))

    def busy(self, min_share: float = 0.15) -> set[int]:
        """Children that used at least `min_share` of the children's total CPU."""
        total = sum(self.cpu.values())
        if total <= 0:
            return set()
        return {pid for pid, used in self.cpu.items() if used >= min_share * total}

    def text(self) -> str:
        if not self.cpu:
            return "no child process ran while crunch() did"
        shares = ", ".join(f"{used:.2f} s" for used in sorted(self.cpu.values(), reverse=True))
        return f"{len(self.cpu)} child process(es), CPU time each: {shares}"


def structural(sampler: ChildCpu, busy_min: int = 2) -> bool:
    return len(sampler.busy()) >= busy_min


# ------------------------------------------------------------------- checks

def _close(a, b) -> bool:
    return isinstance(a, (int, float)) and not isinstance(a, bool) and \
        math.isclose(a, b, rel_tol=REL, abs_tol=1e-9)


def check_results(feedback, result, n_items, chunk_size=None, *, what="crunch()"):
    """`result` must be crunch's dict for n_items: exact items, min, max; sum and
    average within REL of math.fsum over all values."""
    want = expected(n_items)
    feedback.check(isinstance(result, dict) and set(result) == set(KEYS),
                   f"{what} must return a dict with the keys {', '.join(KEYS)}.",
                   measured=f"{type(result).__name__}: {result!r:.150}",
                   expected=f"a dict with exactly the keys {', '.join(KEYS)}",
                   cause="the lesson's per-chunk dict ('chunk_id', 'items_processed', ...) "
                         "returned, or keys renamed: return the combined result of all chunks "
                         "under the contract's keys")
    uneven = chunk_size is not None and n_items % chunk_size != 0
    cause = UNEVEN if uneven else (
        "the chunks do not cover range(n_items) exactly once, or their results were "
        "combined wrongly: count the items, add the sums, take the min of the mins and the "
        "max of the maxes")
    for key in KEYS:
        got, good = result[key], want[key]
        feedback.measure(key, got, expected=good)
    for key in ("items", "min", "max"):
        got, good = result[key], want[key]
        feedback.check(got == good, f"{what} returned the wrong '{key}'.",
                       measured=f"{key} = {got!r}", expected=f"{key} = {good!r} (exactly)",
                       cause=cause)
    for key in ("sum", "average"):
        got, good = result[key], want[key]
        feedback.check(_close(got, good), f"{what} returned the wrong '{key}'.",
                       measured=f"{key} = {got!r}",
                       expected=f"{key} = {good!r} (within {REL:g} relative: math.fsum "
                                f"over all {n_items} values)",
                       cause=cause if key == "sum" or uneven else
                       "the average is the total sum divided by the total count of items")


def check_in_processes(feedback, sampler: ChildCpu, seq_cpu: float, workers: int):
    """At least 2 child processes did a real share of the work, and the children did
    most of it."""
    busy = sampler.busy()
    feedback.measure("child processes seen while crunch() ran", len(sampler.pids))
    feedback.measure("child processes that did >= 15% of the work", len(busy),
                     expected=f">= 2 (of {workers})")
    feedback.measure("CPU time used in child processes", f"{sampler.total:.2f} s",
                     expected=f">= {0.5 * seq_cpu:.2f} s (half of what the grader's one-"
                              f"process run needs)")
    ok = len(busy) >= 2 and sampler.total >= 0.5 * seq_cpu
    feedback.check(ok, "The values were not computed in several processes.",
                   measured=f"{sampler.text()}; {len(busy)} did a real share",
                   expected=f"{workers} worker processes, each computing some of the chunks, "
                            f"together about {seq_cpu:.2f} s of CPU",
                   cause=ONE_PROCESS)


def crunch_speedup(crunch, feedback, *, n_items, chunk_size, workers, attempts=3):
    """crunch against the grader's sequential loop and the grader's pool, interleaved
    (assignment 3's heavy_speedup, with the operating system's view of the workers)."""
    def theirs():
        with ChildCpu(interval=0.02) as sampler:
            crunch(n_items, chunk_size=chunk_size, max_workers=workers)
        return sampler

    run = timing.judge_with_yardstick(
        baseline=lambda: sequential_crunch(n_items), candidate=theirs,
        yardstick=lambda: grader_pool_crunch(n_items, chunk_size, workers),
        names=("grader's sequential loop", f"crunch(), {workers} workers",
               f"grader's pool, {workers} workers"),
        workers=workers, structural=lambda samplers: any(structural(s) for s in samplers),
        attempts=attempts)
    for note in run.notes:
        feedback.note(note)
    times, cmp, good, verdict, capacity = run.times, run.comparison, run.yardstick, run.verdict, run.capacity
    is_structural, matched = run.structural, run.matched
    busy = max(len(s.busy()) for s in run.evidence)
    report = timing.describe(times)
    feedback.measure("speedup over the grader's sequential loop (median of 3, interleaved)",
                     f"{cmp.speedup:.2f}x",
                     expected=f">= {verdict.required:.2f}x" if not verdict.inconclusive
                     else "(inconclusive on this machine now)")
    feedback.measure("speedup of the grader's pool, same rounds", f"{good.speedup:.2f}x")
    feedback.measure("parallel capacity used for the verdict", f"{capacity:.2f}")
    feedback.measure("child processes that did >= 15% of the work", busy, expected=">= 2")
    if verdict.inconclusive or not is_structural:
        if verdict.inconclusive:
            feedback.note(verdict.explanation)
        feedback.check(is_structural, "No parallel work to show for crunch().",
                       measured=f"{busy} busy worker process(es); speedup {cmp.speedup:.2f}x"
                                f"\n{report}",
                       expected="the chunks computed in >= 2 worker processes",
                       cause=ONE_PROCESS)
        feedback.note(report)
        return
    if verdict.passed is False and not matched:
        feedback.fail("crunch() was not faster than the grader's one-process loop.",
                      measured=f"{cmp.speedup:.2f}x with {busy} busy worker process(es), while "
                               f"the grader's pool reached {good.speedup:.2f}x in the same "
                               f"rounds\n{report}",
                      expected=f">= {verdict.required:.2f}x ({verdict.explanation})",
                      cause="the workers ran, but the gain was lost: a new pool per chunk, "
                            "future.result() right after each submit() (one chunk at a time), "
                            "or all values in one chunk while the other workers had nothing "
                            "to do")
    feedback.note(report)
