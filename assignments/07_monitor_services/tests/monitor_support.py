"""Helpers shared by assignment 7's visible and hidden tests: fake health checks that
wait on the trusted clock, and a recorder for on_result calls."""
from __future__ import annotations

import threading

from autograder.checks import CallTracker, GradedFailure
from autograder.checks.tracking import caller_thread
from autograder.checks.timing import now, sleep

HANG_CAP = 8.0  # a hung check returns by itself after this long, whatever happens
HANG_DEADLINE = 1.5  # how long a test waits for a report due after 0.3-0.5 s before calling it hung

NO_DEADLINE = ("the results are collected without a deadline: `as_completed(futures)` with no "
               "timeout waits for every check, the hung one too, and the exit of a "
               "`with ThreadPoolExecutor(...)` block waits for all its threads as well. Give "
               "as_completed / concurrent.futures.wait the time that is left, and shut the "
               "pool down with shutdown(wait=False, cancel_futures=True) instead of a `with`")


class Board:
    """Builds checks; every call is logged by one CallTracker (arg = the check's name)."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.tracker = CallTracker()

    def _make(self, name, fn):
        def check():
            return self.tracker.track(name, fn)
        check.__name__ = f"check_{name}"
        return check

    def returns(self, name, value, seconds=0.0):
        """A check that waits `seconds` and returns `value`."""
        def run():
            if seconds:
                sleep(seconds)
            return value
        return self._make(name, run)

    def healthy(self, name, seconds=0.0):
        return self.returns(name, True, seconds)

    def unhealthy(self, name, seconds=0.0):
        return self.returns(name, False, seconds)

    def raising(self, name, exc, seconds=0.0):
        def run():
            if seconds:
                sleep(seconds)
            raise exc
        return self._make(name, run)

    def hung(self, name):
        """A check that does not return until the test releases it (the service never answers)."""
        def run():
            self.release.wait(HANG_CAP)
            return True
        return self._make(name, run)

    # views
    def started(self):
        return [c.arg for c in self.tracker.calls]

    def call(self, name):
        return next(c for c in self.tracker.calls if c.arg == name)


class Recorder:
    """on_result stand-in: logs (name, status, time on the trusted clock, thread name)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str, float, str]] = []

    def __call__(self, name, status):
        with self._lock:
            self.calls.append((name, status, now(), caller_thread()))

    def at(self, name):
        return next((t for n, _, t, _ in self.calls if n == name), None)

    @property
    def names(self):
        return [n for n, _, _, _ in self.calls]


def check_statuses(feedback, got, want, *, cause=None):
    """The returned dict: one status per check, each the expected one."""
    feedback.check(isinstance(got, dict), "check_services() must return a dict.",
                   measured=f"{type(got).__name__}: {got!r:.120}",
                   expected="{name: status}")
    feedback.check(set(got) == set(want), "The result must have one entry per check.",
                   measured=f"keys {sorted(map(str, got))}", expected=f"keys {sorted(want)}",
                   cause="statuses lost while collecting, or checks that did not finish in "
                         "time left out: a check still running at the deadline is 'timeout'")
    wrong = {n: got[n] for n in want if got[n] != want[n]}
    if cause is None and any(got[n] == "timeout" for n in wrong):
        cause = ("checks that take a few milliseconds were reported 'timeout': they never got "
                 "to run before the deadline. Do the checks wait in line behind each other (a "
                 "pool of one worker, a loop, a hung check in front of them)? Submit them all "
                 "to a pool of max_workers threads")
    feedback.check(not wrong, f"{len(wrong)} check(s) have the wrong status.",
                   measured=", ".join(f"{n}: {s!r}" for n, s in wrong.items()),
                   expected=", ".join(f"{n}: {want[n]!r}" for n in wrong),
                   cause=cause or "True -> 'healthy', False -> 'unhealthy', an exception -> "
                                  "'error', still running at the deadline -> 'timeout'")


RAISED = ("an exception from a check escaped: future.result() re-raises what the check "
          "raised. The lesson says it: always handle exceptions. Catch it where you read the "
          "result and report the check as 'error'")


def call(guard, feedback, check_services, checks, *, deadline=4, **kwargs):
    """check_services under a deadline; an exception it raises is a graded failure."""
    try:
        return guard.call(check_services, checks, deadline=deadline, hang_cause=NO_DEADLINE,
                          **kwargs)
    except GradedFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - the student's exception is the finding
        feedback.fail(f"check_services() raised {type(exc).__name__}: {exc}",
                      measured=f"{type(exc).__name__}: {exc}",
                      expected="a status for every check, nothing raised", cause=RAISED)
