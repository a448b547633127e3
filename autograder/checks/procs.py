"""Evidence of what a process pool really did, gathered across processes.

A `CallTracker` sees only the calls made in its own process. Work sent to a process
pool runs elsewhere, so graded tests hand the student's `parallel_map` (or any pool
user) a `CallLog` instead: a picklable wrapper of a module-level function that

* appends one line per call (pid, start, end on the monotonic clock, which Linux shares
  between processes) to a log file, when `log=True`, from whichever process runs it;
* counts, in the grading process, how many times it was pickled: every task a pool ships
  pickles the function with it, so `pickles` is the number of tasks sent (one per item
  for the lesson's anti-pattern, a few per worker when batched).

    func = CallLog(spin, log=True)
    result = student.parallel_map(func, [200_000] * 8)
    func.pids, func.max_overlap(), func.pickles, func.count

`start_method("spawn")` makes a start method the default for a block, so a test can
show that a solution does not depend on `fork` (Python 3.14's Linux default is
`forkserver`; macOS and Windows use `spawn`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import multiprocessing
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from typing import Any, Callable, Iterator

from .timing import now
from .tracking import max_overlap

_thread_time = time.thread_time  # captured before student code runs, like timing.now
_PICKLES: Counter = Counter()
_PICKLES_LOCK = threading.Lock()


@dataclasses.dataclass(frozen=True)
class LoggedCall:
    pid: int
    start: float
    end: float


class CallLog:
    """A picklable function wrapper that records its calls from any process."""

    def __init__(self, func: Callable[[Any], Any], *, log: bool = True) -> None:
        self.func = func
        # Look like the function to code that reads names or docstrings (a keyword
        # guesser must learn nothing from the grader's wrapper).
        self.__name__ = getattr(func, "__name__", "func")
        self.__doc__ = getattr(func, "__doc__", None)
        self.token = uuid.uuid4().hex
        self.path: str | None = None
        if log:
            fd, self.path = tempfile.mkstemp(prefix="ck-calls-", suffix=".log")
            os.close(fd)
        self.owner = os.getpid()

    def __call__(self, arg: Any) -> Any:
        start = now()
        try:
            return self.func(arg)
        finally:
            if self.path is not None:
                line = f"{os.getpid()} {start!r} {now()!r}\n".encode()
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
                try:
                    os.write(fd, line)  # one short O_APPEND write: lines never interleave
                finally:
                    os.close(fd)

    # Pickling is how a pool ships work: count it in the process that created us.
    def __getstate__(self) -> dict:
        if os.getpid() == self.owner:
            with _PICKLES_LOCK:
                _PICKLES[self.token] += 1
        return self.__dict__.copy()

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"<{getattr(self.func, '__name__', 'function')} (logged by the grader)>"

    # ----------------------------------------------------------------- views
    @property
    def pickles(self) -> int:
        """Times this function was pickled in the grading process (~ tasks shipped)."""
        return _PICKLES[self.token]

    def calls(self) -> list[LoggedCall]:
        if self.path is None:
            return []
        out = []
        try:
            with open(self.path, "rb") as f:
                for line in f:
                    try:
                        pid, start, end = line.split()
                        out.append(LoggedCall(int(pid), float(start), float(end)))
                    except ValueError:
                        continue
        except OSError:
            pass
        return out

    @property
    def count(self) -> int:
        return len(self.calls())

    @property
    def pids(self) -> set[int]:
        """Processes that ran at least one call."""
        return {c.pid for c in self.calls()}

    @property
    def worker_pids(self) -> set[int]:
        """Processes other than the grading one that ran a call."""
        return self.pids - {self.owner}

    def max_overlap(self) -> int:
        """Most calls running at the same instant, across all processes."""
        return max_overlap((c.start, c.end) for c in self.calls())

    def close(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        with _PICKLES_LOCK:
            _PICKLES.pop(self.token, None)


@contextlib.contextmanager
def start_method(name: str) -> Iterator[None]:
    """Make `name` ('fork', 'spawn', 'forkserver') the default start method in the block:
    `ProcessPoolExecutor()` and `multiprocessing.Pool()` without a context use it."""
    if name not in multiprocessing.get_all_start_methods():
        raise ValueError(f"start method {name!r} is not available here")
    from ..grading import current
    session = current.session()
    if session is not None:
        # Judge engine: the student's pools start in the test's worker process.
        previous = session.configure(start_method=name).get("previous")
        try:
            yield
        finally:
            if previous and not session.closed:
                session.configure(start_method=previous)
        return
    previous = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(name, force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(previous, force=True)


# ------------------------------------------------------- picklable workloads
# Module-level, so every start method can ship them by name.

def spin(n: int) -> int:
    """Pure-Python CPU work: about n loop iterations; a deterministic result."""
    total = 0
    for i in range(n):
        total = (total + i * i) % 1_000_003
    return total


def pause(seconds: float) -> float:
    """Waiting work: sleeps `seconds` (on the grader's clock) and returns it."""
    from .timing import sleep
    sleep(seconds)
    return seconds


def tiny(x: int) -> int:
    """Work far smaller than the cost of shipping it to another process."""
    return x * 2 + 1


class WorkerError(Exception):
    """Raised by `fail_on` inside a worker; picklable, so it can reach the caller."""


@dataclasses.dataclass(frozen=True)
class fail_on:  # noqa: N801 - used like a function
    """A picklable function raising WorkerError(x) for x in `bad`, else tiny(x)."""

    bad: frozenset

    def __call__(self, x: int) -> int:
        if x in self.bad:
            raise WorkerError(x)
        return tiny(x)


@functools.lru_cache(maxsize=None)
def calibrate_spin(seconds: float) -> int:
    """The n for which spin(n) takes about `seconds` of CPU on this machine (once per
    process). Measured in this thread's CPU time, not wall time, so a busy neighbour
    during the calibration does not shrink the work."""
    n = 20_000
    while True:
        start = _thread_time()
        spin(n)
        took = _thread_time() - start
        if took > 0.02 or n > 50_000_000:
            return max(1000, int(n * seconds / max(took, 1e-6)))
        n *= 2
