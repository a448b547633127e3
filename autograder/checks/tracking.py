"""Structural evidence of concurrency that no clock noise can fake or hide.

`CallTracker` wraps the function a submission calls (a `handle`, a download, a check)
and records every call: which thread and process ran it, when it started and ended on
the trusted clock, what it was given and what it returned. From that:

    tracker.peak            most calls in flight at once
    tracker.thread_count    distinct threads that made calls
    tracker.max_overlap()   most intervals overlapping (same as peak, from the log)
    tracker.args            every argument seen, for exactly-once checks
"""
from __future__ import annotations

import dataclasses
import os
import threading
from collections import Counter
from typing import Any
from collections.abc import Callable, Iterable

from .timing import now, sleep


@dataclasses.dataclass
class Call:
    arg: Any
    start: float
    end: float | None = None
    thread_ident: Any = 0
    thread_name: str = ""
    pid: int = 0
    error: BaseException | None = None
    result: Any = None
    kernel_threads: int = 0      # threads its process had (the kernel's count), when remote


def _remote_caller():
    from ..grading.crossing import caller
    return caller()


def caller_thread() -> str:
    """The name of the thread calling a test double: in the worker (what
    the worker says, for feedback), else this process's current thread."""
    remote = _remote_caller()
    return remote.name if remote is not None else threading.current_thread().name


_MADE: list[CallTracker] = []     # the trackers made since forget_trackers() (timeline.py)


def trackers_made() -> list[CallTracker]:
    return list(_MADE)


def forget_trackers() -> None:
    _MADE.clear()


class CallTracker:
    """A thread-safe wrapper that logs every call of `func`.

    `func(arg)` is called with the tracker's own lock *released*, so the tracker adds
    no serialization of its own. `label` names its calls in a timeline ("requests").
    """

    def __init__(self, func: Callable[[Any], Any] | None = None, label: str = "") -> None:
        _MADE.append(self)
        self.label = label
        self.func = func if func is not None else (lambda x: x)
        # Look like the function to code that reads names or docstrings.
        self.__name__ = getattr(self.func, "__name__", "func")
        self.__doc__ = getattr(self.func, "__doc__", None)
        self._lock = threading.Lock()
        self.calls: list[Call] = []
        self.in_flight = 0
        self.peak = 0

    def __call__(self, arg: Any) -> Any:
        return self.track(arg, self.func, arg)

    def track(self, arg: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Log a call recorded under `arg` while running fn(*args, **kwargs)."""
        remote = _remote_caller()
        if remote is not None:
            # A call from the worker: the process is the kernel's word, the thread the
            # worker's (advice, bounded by the kernel's count of its threads).
            call = Call(arg=arg, start=now(), thread_ident=(remote.pid, remote.ident),
                        thread_name=remote.name, pid=remote.pid,
                        kernel_threads=remote.threads)
        else:
            thread = threading.current_thread()
            call = Call(arg=arg, start=now(), thread_ident=threading.get_ident(),
                        thread_name=thread.name, pid=os.getpid())
        with self._lock:
            self.calls.append(call)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            call.result = fn(*args, **kwargs)
            return call.result
        except BaseException as exc:
            call.error = exc
            raise
        finally:
            call.end = now()
            with self._lock:
                self.in_flight -= 1

    # ----------------------------------------------------------------- views
    @property
    def count(self) -> int:
        return len(self.calls)

    @property
    def args(self) -> list[Any]:
        return [c.arg for c in self.calls]

    @property
    def thread_count(self) -> int:
        """Distinct threads that made calls. For calls from the worker, never more than
        the kernel counted in the calling processes (less the runtime's reader thread)."""
        distinct = len({c.thread_ident for c in self.calls})
        remote = [c for c in self.calls if c.kernel_threads]
        if not remote:
            return distinct
        by_pid: dict[int, int] = {}
        for c in remote:
            by_pid[c.pid] = max(by_pid.get(c.pid, 0), c.kernel_threads - 1)
        return min(distinct, sum(by_pid.values()))

    @property
    def pids(self) -> set[int]:
        return {c.pid for c in self.calls}

    @property
    def first_start(self) -> float | None:
        return min((c.start for c in self.calls), default=None)

    @property
    def last_end(self) -> float | None:
        ends = [c.end for c in self.calls if c.end is not None]
        return max(ends, default=None)

    def max_overlap(self) -> int:
        return max_overlap([(c.start, c.end if c.end is not None else float("inf"))
                            for c in self.calls])


def max_overlap(intervals: Iterable[tuple[float, float]]) -> int:
    """Most intervals open at one instant (an end at t closes before a start at t)."""
    events = []
    for start, end in intervals:
        events.append((start, 1))
        events.append((end, -1))
    events.sort(key=lambda e: (e[0], e[1]))
    best = cur = 0
    for _, delta in events:
        cur += delta
        best = max(best, cur)
    return best


@dataclasses.dataclass
class Ledger:
    """Exactly-once accounting: what was expected vs what was seen."""

    lost: list[Any]
    repeated: list[Any]
    unexpected: list[Any]

    @property
    def ok(self) -> bool:
        return not (self.lost or self.repeated or self.unexpected)

    def text(self, noun: str = "item") -> str:
        parts = []
        if self.lost:
            parts.append(f"{len(self.lost)} {noun}(s) never handled: {_preview(self.lost)}")
        if self.repeated:
            parts.append(f"{len(self.repeated)} {noun}(s) handled more than once: {_preview(self.repeated)}")
        if self.unexpected:
            parts.append(f"{len(self.unexpected)} {noun}(s) handled that were never given: "
                         f"{_preview(self.unexpected)}")
        return "; ".join(parts) or f"every {noun} handled exactly once"


def exactly_once(expected: Iterable[Any], seen: Iterable[Any]) -> Ledger:
    want, got = Counter(expected), Counter(seen)
    lost, repeated, unexpected = [], [], []
    for item, n in want.items():
        if got[item] < n:
            lost.extend([item] * (n - got[item]))
        elif got[item] > n:
            repeated.extend([item] * (got[item] - n))
    for item, n in got.items():
        if item not in want:
            unexpected.extend([item] * n)
    return Ledger(lost, repeated, unexpected)


def _preview(xs: list[Any], n: int = 6) -> str:
    shown = ", ".join(repr(x) for x in xs[:n])
    return f"[{shown}{', ...' if len(xs) > n else ''}]"


class Items:
    """An iterable of items that can pause, and counts how many were taken.

    `pauses` maps an index to seconds slept *before* yielding that item, like a
    producer waiting for the next order.
    """

    def __init__(self, values, pauses=None):
        self.values = list(values)
        self.pauses = dict(pauses or {})
        self.pulled = 0
        self.exhausted = False
        self._lock = threading.Lock()

    def __iter__(self):
        for i, value in enumerate(self.values):
            if i in self.pauses:
                sleep(self.pauses[i])
            with self._lock:
                self.pulled += 1
            yield value
        self.exhausted = True
