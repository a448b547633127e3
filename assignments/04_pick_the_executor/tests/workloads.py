"""Workloads and measuring helpers shared by the visible and hidden tests of assignment 4
(plain functions; the fixtures are in conftest.py).

The workloads are what choose_executor() and run_best() are graded on. All of them are
one kind of object, a task of the worker runtime (grading/ckworker/workloads.py, Task),
with the same fields and plain ints for items: what a task does (wait, think, almost
nothing) is masked under a key drawn for every task, so it shows only when it runs. The
assignment is to decide by measuring, not by reading.

    waiting(n, seconds)     each item waits `seconds` (on the judge's clock, in the
                            judge: the ledger sleeps, so the waits in flight are counted)
    thinking(n, seconds)    each item is about `seconds` of pure-Python CPU work
    tiny(n)                 each item is almost nothing: far less than a pool costs
    web(web, n, latency)    each item is one HTTP GET of the grader's fake web

A task that waits or thinks hands its value to the judge's ledger (Ledger, a test double
here), which counts the call, notes the process it came from (the kernel's word), waits
if it is waiting work, and returns the result: no process has a result without that call.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import multiprocessing
import os
import random
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from autograder.checks import CallTracker, clip, timing
from autograder.grading.ckworker import workloads as w

_thread_time = time.thread_time


# ----------------------------------------------------------------- the workloads

class Ledger:
    """The judge's end of a task that waits or thinks: each call is counted (in flight,
    on the judge's clock, and from which process), waits here if the work waits, and
    gets its final result, keyed by a key that never leaves the judge."""

    def __init__(self, wait: float = 0.0, web=None, urls=None) -> None:
        self.key = os.urandom(16)
        self.wait = wait
        self.web, self.urls = web, urls or {}
        self.tracker = CallTracker(label="tasks")
        self.values: dict[Any, list[int]] = {}
        self._lock = threading.Lock()
        self.__name__ = "ledger"

    def __call__(self, x, value):
        return self.tracker.track(x, self._finish, x, value)

    def _finish(self, x, value):
        if self.web is not None:
            import requests
            requests.get(self.urls[x], timeout=5)
        elif self.wait:
            timing.sleep(self.wait)
        with self._lock:
            self.values.setdefault(x, []).append(value)
        return self.final(x, value)

    def final(self, x, value) -> int:
        digest = hashlib.blake2b(f"{x!r}:{value}".encode(), key=self.key, digest_size=7)
        return int.from_bytes(digest.digest(), "big")

    # views
    @property
    def count(self) -> int:
        return self.tracker.count

    @property
    def peak(self) -> int:
        return self.tracker.peak

    def pids(self) -> set[int]:
        """Processes that made the calls (the kernel's word: the connection's peer)."""
        return {c.pid for c in self.tracker.calls}


@dataclasses.dataclass
class Work:
    """One workload: what the student's code gets (func, items) and what the grader keeps."""

    kind: str                     # "waiting", "thinking", "tiny", "web"
    func: w.Task                  # hand this to the student's code
    items: list
    local: w.Task                 # the same work, run by the grader's own strategies
    ledger: Ledger | None
    steps: int

    def fresh(self) -> Work:
        """The same work under a new key (a timed round of its own)."""
        return _make(self.kind, self.items, self.steps, self.ledger.wait if self.ledger else 0.0,
                     self.ledger.web if self.ledger else None,
                     self.ledger.urls if self.ledger else None)

    def true_value(self, x) -> int:
        return w.chain(w._seed(self.func.key, x), self.steps)

    def expected(self, *, probe: int = 2) -> tuple[list, list]:
        """([the result each item must have], [items never computed]). Where the work
        thinks, the values the ledger recorded are trusted after `probe` of them are
        recomputed here (each costs the item's work); else every value is."""
        if self.ledger is None:
            return [self.local(x) for x in self.items], []
        want, missing = [], []
        recorded = self.ledger.values
        checked = 0
        for x in self.items:
            values = recorded.get(x)
            if not values:
                missing.append(x)
                want.append(None)
                continue
            if self.kind != "thinking" or checked < probe:
                true = self.true_value(x)
                checked += 1
                want.append(self.ledger.final(x, true))
            else:
                want.append(self.ledger.final(x, values[-1]))
        return want, missing


def _make(kind, items, steps, wait=0.0, web=None, urls=None) -> Work:
    key = os.urandom(16).hex()
    ledgered = kind != "tiny"
    ledger = Ledger(wait=wait, web=web, urls=urls) if ledgered else None
    code = w.mask(key, {"steps": steps, "ledger": ledgered})
    func = w.Task(key=key, code=code, judge=ledger)
    local = w.Task(key=key, code=code, judge=w.Pause(seconds=wait) if ledgered else None)
    return Work(kind, func, list(items), local, ledger, steps)


_STEPS_PER_SECOND: list[float] = []


def spin_size(seconds: float) -> int:
    """The steps for which a task takes about `seconds` of CPU here (calibrated once per
    grading, in CPU time, so a busy machine does not shrink the work)."""
    if not _STEPS_PER_SECOND:
        n = 50_000
        while True:
            start = _thread_time()
            w.chain(12345, n)
            took = _thread_time() - start
            if took > 0.03:
                _STEPS_PER_SECOND.append(n / took)
                break
            n *= 2
    return max(1, int(_STEPS_PER_SECOND[0] * seconds))


def waiting(n: int, seconds: float) -> Work:
    """n items, each waiting `seconds` (a sleep: it releases the GIL)."""
    return _make("waiting", range(n), steps=20, wait=seconds)


def thinking(n: int, seconds: float) -> Work:
    """n items, each about `seconds` of pure-Python CPU work."""
    return _make("thinking", range(n), steps=spin_size(seconds))


def tiny(n: int, seed: int = 4) -> Work:
    """n tiny items in a shuffled order (so a wrong order shows)."""
    values = list(range(n))
    random.Random(seed).shuffle(values)
    return _make("tiny", values, steps=3)


def web(mock, n: int, latency: float, host: str = "https://ck.test/page") -> Work:
    """n items, each one HTTP GET of the grader's fake web answering after `latency` s."""
    urls = {i: mock.add(f"{host}/{i}", body=b"x" * (100 + i), latency=latency)
            for i in range(n)}
    return _make("web", range(n), steps=20, web=mock, urls=urls)


# ------------------------------------------------- the three strategies, the grader's way

THREAD_WORKERS = 10   # the lesson: "Thread workers: 2-5x your CPU cores" (5 x 2 cores)


def usable_cpus() -> int:
    return max(1, timing.cpu_budget().affinity)


def sequential(func, items) -> list:
    return [func(x) for x in items]


def threads(func, items, workers: int = THREAD_WORKERS) -> list:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


def processes(func, items, method: str | None = None) -> list:
    """The grader's process pool; `method`: the start method (None: this Python's default;
    the tests pass the one of the Python that runs the student's code)."""
    workers = max(1, min(usable_cpus(), len(items)))
    chunksize = max(1, math.ceil(len(items) / (4 * workers)))
    context = multiprocessing.get_context(method) if method else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(func, items, chunksize=chunksize))


# The most items choose_executor may run to measure func (test_sampling_costs_little...).
MOST_SAMPLED = 3


def sampled_then_processes(func, items, method: str | None = None) -> list:
    """What a correct run_best does at its slowest: MOST_SAMPLED items run here, to
    measure them, then the rest in the grader's process pool. The yardstick of the
    thinking-work speedup: a bar set by a pool that samples nothing would count the
    sample the contract allows against the student (Amdahl: 3 of 24 items in sequence
    cap 2 workers at 1.78x, a busy machine's 1.4x at 1.33x)."""
    return sequential(func, items[:MOST_SAMPLED]) + processes(func, items[MOST_SAMPLED:],
                                                               method)


STRATEGY_NAMES = {"sequential": "sequential loop",
                  "threads": f"ThreadPoolExecutor({THREAD_WORKERS})",
                  "processes": "ProcessPoolExecutor(chunksize)"}
YOURS = "your run_best"


def ms(seconds: float) -> str:
    """A duration in milliseconds, with enough digits to tell tiny ones apart."""
    value = seconds * 1000
    return f"{value:.3f} ms" if value < 1 else f"{value:.1f} ms"


# ------------------------------------------------------------------ checking

CHOICES = ("sequential", "threads", "processes")


def check_choice_value(feedback, choice) -> None:
    if choice not in CHOICES:
        feedback.fail("choose_executor() must return 'sequential', 'threads' or 'processes'.",
                      measured=clip(repr(choice), 100), expected="one of " + ", ".join(map(repr, CHOICES)),
                      cause="a different spelling ('thread', 'ThreadPoolExecutor', 'threads first') "
                            "or a missing return")


def check_results(feedback, result, work: Work, *, what: str, any_order: bool = False) -> None:
    """run_best's result is [func(x) for x in items] (as a multiset when `any_order`)."""
    want, missing = work.expected()
    items = work.items
    if not isinstance(result, list):
        feedback.fail(f"run_best() must return a list ({what}).",
                      measured=f"it returned {type(result).__name__}: {result!r:.100}",
                      expected=f"a list of {len(items)} results",
                      cause="returning the executor's map object or a generator instead of a list")
    if len(result) != len(want):
        feedback.fail(f"run_best() returned {len(result)} results for {len(items)} items ({what}).",
                      measured=f"{len(result)} results", expected=f"{len(items)} results, one per item",
                      cause="the sampled items' results were dropped (or counted twice) when the "
                            "rest of the items were run")
    if missing:
        feedback.fail(f"run_best() returned results for items func was never called on ({what}).",
                      measured=f"{len(missing)} of {len(items)} items never computed, e.g. item "
                               f"{missing[0]}",
                      expected="func called on every item: its results come only from calling it",
                      cause="results made up, or remembered from an earlier call, instead of "
                            "computed: every call of run_best computes func(x) for its items")
    if any_order:
        ok = sorted(map(repr, result)) == sorted(map(repr, want))
    else:
        ok = result == want
    if ok:
        return
    if sorted(map(repr, result)) == sorted(map(repr, want)):
        first = next(i for i, (a, b) in enumerate(zip(result, want)) if a != b)
        feedback.fail(f"run_best() returned the right results in the wrong order ({what}).",
                      measured=f"result[{first}] = {result[first]!r}",
                      expected=f"result[{first}] = func(items[{first}]) = {want[first]!r}",
                      cause="results collected in completion order (as_completed) or the sampled "
                            "results put after the others: keep the input order (executor.map "
                            "does) and put the sample's results first")
    first = next(i for i, (a, b) in enumerate(zip(result, want)) if a != b)
    feedback.fail(f"run_best() returned wrong results ({what}).",
                  measured=f"result[{first}] = {result[first]!r}",
                  expected=f"result[{first}] = func(items[{first}]) = {want[first]!r}",
                  cause="func applied to the wrong items, or results lost when the work was split")
