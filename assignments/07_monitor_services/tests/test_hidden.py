"""Assignment 7, hidden tests: the same behaviours with other mixes of checks.

Never shipped to students; `make grade` runs them, `make check` does not.
"""
from __future__ import annotations

import pytest
from monitor_support import HANG_DEADLINE, NO_DEADLINE, Recorder, call as _call, check_statuses

from autograder.checks.timing import sleep

pytestmark = pytest.mark.visibility("after_published")


@pytest.mark.points(1)
def test_falsy_results_are_unhealthy(check_services, board, guard, feedback):
    """a check returning None, 0 or '' is 'unhealthy'"""
    checks = {"a": board.returns("a", None), "b": board.returns("b", 0, 0.01),
              "c": board.returns("c", ""), "d": board.healthy("d", 0.01)}
    got = _call(guard, feedback, check_services, checks, timeout=2.0)
    check_statuses(feedback, got, {"a": "unhealthy", "b": "unhealthy", "c": "unhealthy",
                                   "d": "healthy"},
                   cause="only `is False` counted as unhealthy: a check that returns nothing "
                         "useful did not say the service is healthy")


@pytest.mark.points(2)
@pytest.mark.timing
def test_mixed_batch(check_services, board, guard, feedback):
    """raising, hanging, healthy and unhealthy checks together: every status right, on time"""
    checks = {
        "auth": board.healthy("auth", 0.03), "billing": board.hung("billing"),
        "cdn": board.raising("cdn", TimeoutError("no answer"), 0.02),
        "dns": board.unhealthy("dns", 0.01), "email": board.hung("email"),
        "files": board.raising("files", ValueError("bad reply")),
        "geo": board.healthy("geo", 0.05), "hr": board.healthy("hr"),
    }
    got = _call(guard, feedback, check_services, checks, timeout=0.4, max_workers=8,
                deadline=HANG_DEADLINE,
                what="check_services(checks, timeout=0.4) with two checks that never return")
    feedback.measure("returned after", f"{guard.elapsed:.3f} s", expected="< 0.7 s")
    feedback.check(guard.elapsed < 0.7,
                   f"check_services(timeout=0.4) returned after {guard.elapsed:.2f} s.",
                   measured=f"{guard.elapsed:.3f} s", expected="by 0.4 s (+ 0.3 s margin)",
                   cause=NO_DEADLINE)
    check_statuses(feedback, got, {"auth": "healthy", "billing": "timeout", "cdn": "error",
                                   "dns": "unhealthy", "email": "timeout", "files": "error",
                                   "geo": "healthy", "hr": "healthy"})


@pytest.mark.points(2)
@pytest.mark.timing
def test_deadline_is_total(check_services, board, guard, feedback):
    """the timeout is for the whole report, not for each check or each wait"""
    # One check finishes every 0.15-0.3 s: a deadline restarted at each result never comes.
    secs = {"s1": 0.1, "s2": 0.25, "s3": 0.4, "s4": 0.7, "s5": 0.85, "s6": 1.0, "s7": 1.3}
    checks = {name: board.healthy(name, s) for name, s in secs.items()}
    got = _call(guard, feedback, check_services, checks, timeout=0.55, max_workers=8, deadline=4)
    feedback.measure("returned after", f"{guard.elapsed:.3f} s", expected="< 0.85 s")
    feedback.check(guard.elapsed < 0.85,
                   f"check_services(timeout=0.55) returned after {guard.elapsed:.2f} s.",
                   measured=f"{guard.elapsed:.3f} s", expected="by 0.55 s (+ 0.3 s margin)",
                   cause="there is no single deadline for the whole report: no deadline at "
                         "all (as_completed without a timeout, a `with` block that waits for "
                         "every check on exit), or the timeout applied to each wait (each "
                         "future.result(timeout=...) or wait(..., timeout=timeout)), so it starts "
                         "again with every result. Compute one deadline at the start and wait "
                         "only for the time that is left")
    check_statuses(feedback, got, {n: ("healthy" if s < 0.55 else "timeout")
                                   for n, s in secs.items()})


@pytest.mark.points(2)
def test_queued_checks_never_start(check_services, board, guard, feedback):
    """checks still queued at the deadline are cancelled: they never start after the report"""
    checks = {"a": board.hung("a"), "b": board.hung("b")}
    checks.update({f"q{i}": board.healthy(f"q{i}", 0.01) for i in range(3)})
    got = _call(guard, feedback, check_services, checks, timeout=0.3, max_workers=2,
                deadline=HANG_DEADLINE,
                what="check_services(checks, timeout=0.3, max_workers=2) with two hung checks")
    # The queued checks cannot run before the deadline with both workers hung: 'timeout'
    # (a check that did run and finish before the return is judged by its result elsewhere).
    ran = {c.arg for c in board.tracker.calls if c.end is not None and c.end <= guard.returned_at}
    check_statuses(feedback, got, {name: "healthy" if name in ran else "timeout"
                                   for name in checks})
    board.release.set()  # the two hung services answer; the workers are free again
    sleep(0.3)
    late = [c.arg for c in board.tracker.calls if c.start > guard.returned_at]
    feedback.measure("checks started after the report was returned", late, expected=[])
    feedback.check(not late,
                   f"{len(late)} queued check(s) started after check_services() had returned.",
                   measured=f"started late: {late}", expected="none: they were reported 'timeout'",
                   cause="the pool is shut down without cancelling the queued work, so the free "
                         "workers start checks nobody will read. shutdown(wait=False, "
                         "cancel_futures=True) (or future.cancel() for each pending future)")


@pytest.mark.points(1)
@pytest.mark.parametrize("count, workers", [(5, 2), (3, 8)], ids=["5checks-2workers",
                                                                 "3checks-8workers"])
def test_bounded_other_sizes(check_services, board, guard, feedback, count, workers):
    """exactly min(max_workers, number of checks) checks in flight at the peak"""
    checks = {f"c{i}": board.healthy(f"c{i}", 0.08) for i in range(count)}
    got = _call(guard, feedback, check_services, checks, timeout=3.0, max_workers=workers)
    want = min(count, workers)
    peak = board.tracker.peak
    feedback.measure("most checks in flight at once", peak, expected=want)
    check_statuses(feedback, got, {name: "healthy" for name in checks})
    feedback.check(peak <= workers, f"{peak} checks in flight with max_workers={workers}.",
                   measured=f"peak {peak}", expected=f"at most {workers}",
                   cause="more threads than max_workers: a thread per check, or a pool size "
                         "that ignores the argument")
    feedback.check(peak >= want, f"Only {peak} check(s) in flight with {count} checks and "
                                 f"max_workers={workers}.",
                   measured=f"peak {peak}, from {board.tracker.thread_count} thread(s)",
                   expected=f"{want} at once",
                   cause="the checks run one after another: submit them all, then collect")


@pytest.mark.points(1)
def test_callback_once_per_finished_check(check_services, board, guard, feedback):
    """on_result is called once per check, with the status that is returned"""
    checks = {"x": board.healthy("x", 0.03), "y": board.unhealthy("y", 0.01),
              "z": board.healthy("z"), "w": board.returns("w", None, 0.02)}
    rec = Recorder()
    got = _call(guard, feedback, check_services, checks, timeout=2.0, on_result=rec)
    calls = sorted((n, s) for n, s, _, _ in rec.calls)
    want = sorted(got.items()) if isinstance(got, dict) else None
    feedback.measure("on_result calls", calls)
    feedback.check(calls == want,
                   "on_result calls do not match the statuses returned, once per check.",
                   measured=calls, expected=want,
                   cause="on_result called more than once for a check, not at all, or with "
                         "another status than the one returned")
