"""The batch's progress line: what `make grade SUBMISSIONS=...` shows while it grades."""
from __future__ import annotations

import contextlib
import sys
import threading
import time

from .. import terminal
from .records import GradeRow
from .summary import clock


class Progress:
    """The batch's progress line (terminal.StatusLine): redrawn in place on a terminal,
    with the submissions in flight and, while they run, the clock going (`ticking`); a
    line per submission in a log; the last one stays. The time left is the mean grading
    time of those graded so far times what is left, shared by the jobs, and blended with
    the last estimate so that one slow submission does not make it jump."""

    TICK = 1.0      # seconds between redraws while nothing finishes

    def __init__(self, total: int, stream=None, enabled: bool = True, clock=time.monotonic,
                 jobs: int = 1) -> None:
        self.total, self.done, self.reused, self.jobs = total, 0, 0, max(1, jobs)
        self.status = terminal.StatusLine(stream or sys.stderr, log=True) if enabled else None
        self.clock_now = clock
        self.started = clock()
        self.lock = threading.Lock()
        self.flight: dict[str, float] = {}        # student id -> when its grading began
        self.durations: list[float] = []
        self.last = ""
        self._eta: tuple[float, float] | None = None   # (estimate, when)

    def eta(self) -> float | None:
        fresh = self.done - self.reused
        left = self.total - self.done
        if fresh <= 0 or left <= 0:
            return None
        now = self.clock_now()
        if self.durations:
            mean = sum(self.durations) / len(self.durations)
            waiting = left - len(self.flight)
            running = sum(max(0.0, mean - (now - t)) for t in self.flight.values())
            raw = (waiting * mean + running) / self.jobs
        else:                                      # no grading timed from its start
            raw = (now - self.started) / fresh * left
        if self._eta is not None:
            before, at = self._eta
            raw = 0.5 * raw + 0.5 * max(0.0, before - (now - at))
        self._eta = (raw, now)
        return raw

    clock = staticmethod(clock)

    def line(self, last: str = "") -> str:
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        text = (f"[{bar}] {self.done}/{self.total}  elapsed {self.clock(self.clock_now() - self.started)}"
                f"  left ~{self.clock(self.eta())}")
        if self.flight:
            names = sorted(self.flight)
            text += f"  grading {', '.join(names[:3])}" + (f" +{len(names) - 3}" if len(names) > 3 else "")
        return text + (f"  (last: {last})" if last and self.flight else f"  {last}" if last else "")

    def begin(self, student_id: str) -> None:
        with self.lock:
            self.flight[student_id] = self.clock_now()

    def step(self, row: GradeRow, reused: bool = False) -> None:
        with self.lock:
            began = self.flight.pop(row.student.id, None)
            if began is not None and not reused:
                self.durations.append(self.clock_now() - began)
            self.done += 1
            self.reused += reused
            if self.status is None:
                return
            what = "reused" if reused else f"{row.score:g}/{row.max_score:g}"
            if row.status == "error":
                what = "ERROR"
            self.last = f"{row.student.id}: {what}"
            text = self.line(self.last)
            if self.done == self.total:
                self.status.above(text)
            else:
                self.status.show(text)

    def refresh(self) -> None:
        """Redraw on a terminal (the clock and what is in flight); nothing in a log."""
        with self.lock:
            if self.status is not None and self.status.live and self.done < self.total:
                self.status.show(self.line(self.last))

    @contextlib.contextmanager
    def ticking(self):
        """Redraw every TICK s while the body runs, so the line never stands still."""
        stop = threading.Event()

        def tick():
            while not stop.wait(self.TICK):
                self.refresh()
        ticker = threading.Thread(target=tick, name="ck-progress", daemon=True)
        ticker.start()
        try:
            yield self
        finally:
            stop.set()
            ticker.join()
