"""Helpers shared by assignment 7's visible and hidden tests: fake health checks that
wait on the trusted clock, a recorder for on_result calls, and the verdict on a report.

Races are forced here, not left to the scheduler: a check can be held until something
the test observes has happened (enough checks in flight, an on_result call arrived) or
until a time measured from the first check's start, so the interleaving a test targets
happens on every run, on any machine. Every call of a check is logged on the grader's
side, and a status is believed only if that log backs it (`check_statuses`).
"""
from __future__ import annotations

import threading

from autograder.checks import CallTracker, GradedFailure
from autograder.checks.tracking import caller_thread
from autograder.checks.timing import now, sleep

HANG_CAP = 8.0  # a hung check returns by itself after this long, whatever happens
HANG_DEADLINE = 1.5  # how long a test waits for a report due after 0.3-0.5 s before calling it hung
POLL = 0.003  # how often a held check looks at what it waits for

NO_DEADLINE = ("the results are collected without a deadline: `as_completed(futures)` with no "
               "timeout waits for every check, the hung one too, and the exit of a "
               "`with ThreadPoolExecutor(...)` block waits for all its threads as well. Give "
               "as_completed / concurrent.futures.wait the time that is left, and shut the "
               "pool down with shutdown(wait=False, cancel_futures=True) instead of a `with`")


class Board:
    """Builds checks; every call is logged by one CallTracker (arg = the check's name)."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.tracker = CallTracker(label="checks")

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

    def held(self, name, *, cap, until=None, seconds=0.0, value=True):
        """A check that takes `seconds`, then holds until `until()` is true, but never past
        `cap` s after the first check of the board started (nor past the test's end).
        `until=None`: it returns exactly `cap` s after that first start."""
        def run():
            if seconds:
                sleep(seconds)
            latest = self.tracker.first_start + cap
            while now() < latest and not self.release.is_set():
                if until is not None and until():
                    break
                sleep(POLL)
            return value
        return self._make(name, run)

    # views
    def started(self):
        return [c.arg for c in self.tracker.calls]

    def call(self, name):
        return next(c for c in self.tracker.calls if c.arg == name)

    def calls_during(self, guard, name):
        """The calls of check `name` that started while check_services was running."""
        return [c for c in self.tracker.calls if c.arg == name
                and guard.started_at <= c.start <= guard.returned_at]

    def in_flight_at(self, when, since):
        """Checks started since `since` and still running at `when`, on the trusted clock."""
        return sum(1 for c in self.tracker.calls
                   if since <= c.start <= when and (c.end is None or c.end > when))


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

    def came(self, name):
        """For `Board.held(until=...)`: has on_result(name, ...) been called yet?"""
        return lambda: self.at(name) is not None

    @property
    def names(self):
        return [n for n, _, _, _ in self.calls]


def outcome(call) -> str | None:
    """The status a finished call of a check stands for (None: not finished)."""
    if call.end is None:
        return None
    if call.error is not None:
        return "error"
    return "healthy" if call.result else "unhealthy"


FABRICATED = ("a status must come from calling the check, and is known only once the check "
              "has returned: the grader logs every call of its checks. A status from an "
              "earlier call (a cache), guessed without calling, or given to a check still "
              "running is not a health check; one still running at the deadline is 'timeout'")
NEVER_STARTED = ("'timeout' for a check that never started is right only when every worker was "
                 "busy until the deadline. Here workers were free: the checks wait in line "
                 "behind each other (a pool of one worker, a loop, one check at a time), or "
                 "the status was written without calling the check. Submit every check to a "
                 "pool of max_workers threads at the start")


def _unbacked(board, guard, got):
    """Result statuses the log of calls does not back: {name: why}."""
    unbacked = {}
    for name, status in got.items():
        if status not in ("healthy", "unhealthy", "error"):
            continue
        calls = board.calls_during(guard, name)
        finished = [c for c in calls if c.end is not None and c.end <= guard.returned_at]
        if not calls:
            unbacked[name] = f"{name}: {status!r}, its check never called"
        elif not finished:
            unbacked[name] = f"{name}: {status!r}, its check still running at your return"
    return unbacked


def _never_started(board, guard, got, workers):
    """'timeout' statuses for checks never started while workers were free."""
    busy = board.in_flight_at(guard.returned_at, guard.started_at)
    if busy >= min(workers, len(got)):
        return [], busy
    return [n for n, s in got.items() if s == "timeout" and not board.calls_during(guard, n)], busy


def _accepted(board, guard, name, got, want):
    """A check due 'timeout' (the test releases it after the deadline) that still finished
    before the return may be reported with its own result as well."""
    if got == want:
        return True
    if want != "timeout":
        return False
    return any(outcome(c) == got and c.end <= guard.returned_at
               for c in board.calls_during(guard, name))


TIMEOUT_RAISED = ("a check that raised TimeoutError was taken for the deadline: it returned at "
                  "once, with an exception, which is 'error'. asyncio.TimeoutError and "
                  "concurrent.futures.TimeoutError are the builtin TimeoutError since Python "
                  "3.11, so an `except TimeoutError` around both the wait and the check's "
                  "result cannot tell them apart. Read each check's exception apart from the "
                  "wait's timeout (future.exception(), or a try/except inside the check's own "
                  "wrapper)")


def _raised_timeout(board, guard, name):
    """Did a call of check `name` raise TimeoutError, and return before the report?"""
    return any(isinstance(c.error, TimeoutError) and c.end <= guard.returned_at
               for c in board.calls_during(guard, name) if c.end is not None)


def check_statuses(feedback, board, guard, got, want, *, workers=8, cause=None):
    """The returned dict: one status per check, each the expected one, each backed by the
    grader's log of calls (`workers`: the max_workers the test passed)."""
    feedback.check(isinstance(got, dict), "check_services() must return a dict.",
                   measured=f"{type(got).__name__}: {got!r:.120}",
                   expected="{name: status}")
    feedback.check(set(got) == set(want), "The result must have one entry per check.",
                   measured=f"keys {sorted(map(str, got))}", expected=f"keys {sorted(want)}",
                   cause="statuses lost while collecting, or checks that did not finish in "
                         "time left out: a check still running at the deadline is 'timeout'")
    unbacked = _unbacked(board, guard, got)
    feedback.check(not unbacked,
                   f"{len(unbacked)} status(es) do not come from a finished call of the check.",
                   measured="; ".join(unbacked.values()),
                   expected="'healthy', 'unhealthy' or 'error' only for a check that was called "
                            "and returned before check_services did",
                   cause=FABRICATED)
    wrong = {n: got[n] for n in want if not _accepted(board, guard, n, got[n], want[n])}
    if cause is None and any(got[n] == "timeout" and _raised_timeout(board, guard, n)
                             for n in wrong):
        cause = TIMEOUT_RAISED
    elif cause is None and any(got[n] == "timeout" for n in wrong):
        cause = ("checks that take a few milliseconds were reported 'timeout': they never got "
                 "to run before the deadline. Do the checks wait in line behind each other (a "
                 "pool of one worker, a loop, a hung check in front of them)? Submit them all "
                 "to a pool of max_workers threads")
    feedback.check(not wrong, f"{len(wrong)} check(s) have the wrong status.",
                   measured=", ".join(f"{n}: {s!r}" for n, s in wrong.items()),
                   expected=", ".join(f"{n}: {want[n]!r}" for n in wrong),
                   cause=cause or "True -> 'healthy', False -> 'unhealthy', an exception -> "
                                  "'error', still running at the deadline -> 'timeout'")
    idle, busy = _never_started(board, guard, got, workers)
    feedback.check(not idle,
                   f"{len(idle)} check(s) reported 'timeout' were never started, with "
                   f"max_workers={workers}.",
                   measured=f"never called: {idle}; {busy} check(s) running when "
                            "check_services returned",
                   expected=f"every check started, or {min(workers, len(got))} running "
                            "(all workers busy) at the deadline",
                   cause=NEVER_STARTED)


def settle(board, guard, grace=1.5):
    """After the test released its hung checks: wait until they have returned and no
    thread of the submission is left (at most `grace` s), so that nothing the submission
    could still do (start a queued check, call on_result) is missed."""
    deadline = now() + grace
    while now() < deadline and any(c.end is None for c in board.tracker.calls):
        sleep(0.01)
    guard.leaks(grace=max(0.0, deadline - now()))


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
