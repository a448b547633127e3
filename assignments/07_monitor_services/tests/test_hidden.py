"""Assignment 7, hidden tests: the same behaviours with other mixes of checks.

Never shipped to students; `make grade` runs them, `make check` does not.
"""
from __future__ import annotations

import pytest
from monitor_support import (HANG_DEADLINE, NO_DEADLINE, Recorder, call as _call, check_statuses,
                             settle)

pytestmark = pytest.mark.visibility("after_published")


@pytest.mark.points(1)
def test_falsy_results_are_unhealthy(check_services, board, guard, feedback):
    """a check returning None, 0 or '' is 'unhealthy'"""
    checks = {"a": board.returns("a", None), "b": board.returns("b", 0, 0.01),
              "c": board.returns("c", ""), "d": board.healthy("d", 0.01)}
    got = _call(guard, feedback, check_services, checks, timeout=2.0)
    check_statuses(feedback, board, guard, got, {"a": "unhealthy", "b": "unhealthy",
                                                 "c": "unhealthy", "d": "healthy"},
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
    check_statuses(feedback, board, guard, got,
                   {"auth": "healthy", "billing": "timeout", "cdn": "error", "dns": "unhealthy",
                    "email": "timeout", "files": "error", "geo": "healthy", "hr": "healthy"})


DEADLINE_CAUSE = ("there is no single deadline for the whole report: no deadline at all "
                  "(as_completed without a timeout, a `with` block that waits for every check "
                  "on exit), the timeout applied to each wait (each future.result(timeout=...) "
                  "or wait(..., timeout=timeout)), so it starts again with every result, or the "
                  "clock looked at only when a result comes in. Compute one deadline at the "
                  "start and wait only for the time that is left")


@pytest.mark.points(2)
@pytest.mark.timing
def test_deadline_is_total(check_services, board, guard, feedback):
    """the timeout is for the whole report, not for each check or each wait"""
    # Times from the first check's start: three checks well before the 1 s deadline, then,
    # from 0.35 s after it, one every 0.2 s until 2.55 s. A deadline restarted with each
    # result never comes (no gap reaches 1 s); a deadline looked at only between results
    # comes with the first late one, 1.35 s in. Neither is back by 1.3 s; one deadline is.
    timeout = 1.0
    finish = {"s1": 0.1, "s2": 0.3, "s3": 0.5}
    finish.update({f"s{4 + k}": timeout + 0.35 + 0.2 * k for k in range(7)})
    checks = {name: board.held(name, cap=t) for name, t in finish.items()}
    got = _call(guard, feedback, check_services, checks, timeout=timeout, max_workers=10)
    feedback.measure("returned after", f"{guard.elapsed:.3f} s", expected="< 1.3 s")
    feedback.check(guard.elapsed < timeout + 0.3,
                   f"check_services(timeout={timeout:g}) returned after {guard.elapsed:.2f} s.",
                   measured=f"{guard.elapsed:.3f} s", expected="by 1 s (+ 0.3 s margin)",
                   cause=DEADLINE_CAUSE)
    check_statuses(feedback, board, guard, got,
                   {n: ("healthy" if t < timeout else "timeout") for n, t in finish.items()},
                   workers=10)


@pytest.mark.points(2)
def test_queued_checks_never_start(check_services, board, guard, feedback):
    """checks still queued at the deadline are cancelled: they never start after the report"""
    checks = {"a": board.hung("a"), "b": board.hung("b")}
    checks.update({f"q{i}": board.healthy(f"q{i}", 0.01) for i in range(3)})
    got = _call(guard, feedback, check_services, checks, timeout=0.3, max_workers=2,
                deadline=HANG_DEADLINE,
                what="check_services(checks, timeout=0.3, max_workers=2) with two hung checks")
    # The queued checks cannot run before the deadline with both workers hung: 'timeout'
    # (a design that ran them first reports their result, which is right too).
    check_statuses(feedback, board, guard, got, {name: "timeout" for name in checks},
                   workers=2)
    board.release.set()  # the two hung services answer; the workers are free again
    settle(board, guard)  # until the submission's threads are gone: nothing can start later
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
    # Each check waits until one more than max_workers (or all of them) are in flight, at
    # most until 0.4 s after the first started: too many at once always shows, too few too.
    tracker = board.tracker
    checks = {f"c{i}": board.held(f"c{i}", seconds=0.08, cap=0.4,
                                  until=lambda: tracker.peak >= min(count, workers + 1))
              for i in range(count)}
    got = _call(guard, feedback, check_services, checks, timeout=3.0, max_workers=workers)
    want = min(count, workers)
    peak = tracker.peak
    feedback.measure("most checks in flight at once", peak, expected=want)
    check_statuses(feedback, board, guard, got, {name: "healthy" for name in checks},
                   workers=workers)
    feedback.check(peak <= workers, f"{peak} checks in flight with max_workers={workers}.",
                   measured=f"peak {peak}", expected=f"at most {workers}",
                   cause="more threads than max_workers: a thread per check, or a pool size "
                         "that ignores the argument")
    feedback.check(peak >= want, f"Only {peak} check(s) in flight with {count} checks and "
                                 f"max_workers={workers}.",
                   measured=f"peak {peak}, from {tracker.thread_count} thread(s)",
                   expected=f"{want} at once",
                   cause="the checks run one after another: submit them all, then collect")


@pytest.mark.points(1)
def test_callback_once_per_finished_check(check_services, board, guard, feedback):
    """on_result is called once per check, with the status that is returned"""
    checks = {"x": board.healthy("x", 0.03), "y": board.unhealthy("y", 0.01),
              "z": board.healthy("z"), "w": board.returns("w", None, 0.02)}
    rec = Recorder()
    got = _call(guard, feedback, check_services, checks, timeout=2.0, on_result=rec)
    check_statuses(feedback, board, guard, got,
                   {"x": "healthy", "y": "unhealthy", "z": "healthy", "w": "unhealthy"})
    settle(board, guard, grace=0.5)  # on_result calls still on their way are counted too
    calls = sorted((n, s) for n, s, _, _ in rec.calls)
    want = sorted(got.items())
    feedback.measure("on_result calls", calls)
    feedback.check(calls == want,
                   "on_result calls do not match the statuses returned, once per check.",
                   measured=calls, expected=want,
                   cause="on_result called more than once for a check, not at all, or with "
                         "another status than the one returned")


@pytest.mark.points(1)
def test_no_on_result_after_return(check_services, board, guard, feedback):
    """on_result is never called after check_services has returned, not even for a late check"""
    checks = {"x": board.healthy("x", 0.02), "y": board.unhealthy("y"),
              "z": board.healthy("z", 0.01), "slow": board.hung("slow")}
    rec = Recorder()
    got = _call(guard, feedback, check_services, checks, timeout=0.3, on_result=rec,
                deadline=HANG_DEADLINE,
                what="check_services(checks, timeout=0.3) with one check that never returns")
    check_statuses(feedback, board, guard, got,
                   {"x": "healthy", "y": "unhealthy", "z": "healthy", "slow": "timeout"})
    board.release.set()  # 'slow' answers at last, after the report
    settle(board, guard)
    late = [(n, s) for n, s, t, _ in rec.calls if t > guard.returned_at]
    feedback.measure("on_result calls after the return", late, expected=[])
    feedback.check(not late,
                   f"on_result was called {len(late)} time(s) after check_services() had "
                   "returned.",
                   measured=f"called after the return: {late}",
                   expected="every on_result call made before the report is returned",
                   cause="on_result is called from the pool's threads (future.add_done_callback, "
                         "or a wrapper around each check), so it goes on after the report: a "
                         "check that answers late is announced 'healthy' to a dashboard already "
                         "told 'timeout'. Call on_result from check_services itself, in the loop "
                         "that collects the results")
