"""Assignment 7, visible tests: what `make check ASSIGNMENT=7` runs.

The health checks are the grader's own: they wait on a clock your code cannot change, a
"hung" one waits until the test releases it, and every call is logged (when it started
and ended, in which thread), so checks in flight can be counted. The hidden tests check
the same behaviours with other mixes of checks.
"""
from __future__ import annotations

import pytest
from monitor_support import (HANG_DEADLINE, NO_DEADLINE, Recorder, call as _call,
                             check_statuses, settle)

from autograder.checks import clip, timing


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_statuses_healthy_unhealthy(check_services, board, guard, feedback):
    """a check returning True is 'healthy', False is 'unhealthy'"""
    checks = {"web": board.healthy("web", 0.02), "db": board.unhealthy("db", 0.03),
              "cache": board.healthy("cache")}
    got = _call(guard, feedback, check_services, checks, timeout=2.0)
    feedback.measure("statuses", got)
    check_statuses(feedback, board, guard, got,
                   {"web": "healthy", "db": "unhealthy", "cache": "healthy"})


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_raising_check_is_error(check_services, board, guard, feedback):
    """a check that raises is 'error'; the other checks are still reported"""
    checks = {"mail": board.raising("mail", ConnectionError("refused"), 0.02),
              "web": board.healthy("web", 0.03),
              "queue": board.raising("queue", RuntimeError("broker gone")),
              "db": board.unhealthy("db", 0.01)}
    got = _call(guard, feedback, check_services, checks, timeout=2.0)
    feedback.measure("statuses", got)
    check_statuses(feedback, board, guard, got, {"mail": "error", "web": "healthy",
                                                 "queue": "error", "db": "unhealthy"},
                   cause="a check that raised is reported as something else: an exception "
                         "means the check could not tell, which is 'error', not 'unhealthy'")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_hung_check_times_out(check_services, board, guard, feedback):
    """a check that never returns is 'timeout', and the report comes by the deadline"""
    checks = {"payments": board.hung("payments"), "web": board.healthy("web", 0.02),
              "db": board.unhealthy("db", 0.05)}
    got = _call(guard, feedback, check_services, checks, timeout=0.5, deadline=HANG_DEADLINE,
                what="check_services(checks, timeout=0.5) with one check that never returns")
    feedback.measure("returned after", f"{guard.elapsed:.3f} s", expected="< 0.8 s (0.5 s + 0.3 s)")
    feedback.check(guard.elapsed < 0.8,
                   f"check_services(timeout=0.5) returned after {guard.elapsed:.2f} s.",
                   measured=f"{guard.elapsed:.3f} s", expected="by 0.5 s (+ 0.3 s margin)",
                   cause=NO_DEADLINE)
    check_statuses(feedback, board, guard, got,
                   {"payments": "timeout", "web": "healthy", "db": "unhealthy"})


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_results_reported_as_they_complete(check_services, board, guard, feedback):
    """on_result reports each check as it finishes, fastest first"""
    # Forced order: 'search' does not finish until 'login' has been reported, 'reports' not
    # until 'search' has (each at most 0.8 s / 1.6 s after the first check started). A monitor
    # that reports as results come sees login, search, reports; one that reports at the end
    # (or in the order given) holds 'reports' for its whole 1.6 s, and reports 'login' after.
    rec = Recorder()
    checks = {"reports": board.held("reports", until=rec.came("search"), cap=1.6),
              "search": board.held("search", until=rec.came("login"), cap=0.8, seconds=0.02),
              "login": board.unhealthy("login", 0.02)}
    got = _call(guard, feedback, check_services, checks, timeout=3.0, on_result=rec)
    # The order is judged on every call, also one made after the return (a pool thread's
    # callback can lose the race with the return): a late call is test_no_on_result_after_
    # return's fault, not this test's, and judging at the return would make it a coin toss.
    settle(board, guard)
    feedback.measure("on_result calls, in order", rec.names,
                     expected=["login", "search", "reports"])
    at = rec.at("login")
    feedback.check(at is not None, "on_result was never called for 'login'.",
                   measured=f"on_result calls: {rec.names}",
                   expected="on_result('login', 'unhealthy') once it finished",
                   cause="on_result is not called for every check that finishes")
    slow = board.call("reports")
    early = slow.end - at
    feedback.measure("'login' reported before 'reports' finished, by", f"{early:.3f} s",
                     expected="> 0 s")
    feedback.check(early > 0,
                   "'login' finished after 20 ms but was reported only once 'reports' had "
                   "finished.",
                   measured=f"on_result('login', ...) {-early:+.3f} s relative to the end of "
                            f"'reports', which waited {slow.end - slow.start:.2f} s for "
                            "on_result('search', ...)",
                   expected="reported right after it finished, before 'reports' (which "
                            "finishes only once 'search' has been reported)",
                   cause="on_result is called after every check has finished (or in the order "
                         "the checks were given, or the checks run one after another): "
                         "collect with as_completed / wait(return_when=FIRST_COMPLETED) and "
                         "call on_result inside that loop, as each future completes")
    feedback.check(rec.names == ["login", "search", "reports"],
                   "on_result calls are not in the order the checks finished.",
                   measured=rec.names, expected=["login", "search", "reports"],
                   cause="results reported in the order they were submitted, or sorted: "
                         "as_completed yields each future when it finishes")
    check_statuses(feedback, board, guard, got,
                   {"reports": "healthy", "search": "healthy", "login": "unhealthy"})


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_checks_run_concurrently(check_services, board, guard, feedback):
    """10 checks of 100 ms with max_workers=10 all run at once"""
    # Each check takes 0.1 s and then waits until all 10 are in flight (at most until 0.6 s
    # after the first started): ten checks at once always meet, one at a time never does.
    tracker = board.tracker
    checks = {f"svc{i}": board.held(f"svc{i}", seconds=0.1, until=lambda: tracker.peak >= 10,
                                    cap=0.6) for i in range(10)}
    got = _call(guard, feedback, check_services, checks, timeout=3.0, max_workers=10)
    feedback.measure("most checks in flight at once", tracker.peak, expected=10)
    feedback.measure("returned after", f"{guard.elapsed:.3f} s", expected="about 0.1 s, < 0.9 s")
    feedback.check(tracker.peak >= 10 and guard.elapsed < 0.9,
                   f"Only {tracker.peak} check(s) ran at once with max_workers=10; "
                   f"10 checks of 0.1 s took {guard.elapsed:.2f} s." if tracker.peak < 10 else
                   f"10 checks of 0.1 s ran at once but took {guard.elapsed:.2f} s in all.",
                   measured=f"peak {tracker.peak} in flight, from {tracker.thread_count} "
                            f"thread(s), {guard.elapsed:.2f} s\n"
                            + timing.bars({"your check_services": guard.elapsed,
                                           "all 10 at once": 0.1, "one after another": 1.0}),
                   expected="10 in flight at once, about 0.1 s in all",
                   cause="the checks run one after another (a loop calling each check, a pool "
                         "of one worker, or waiting for each future right after submitting "
                         "it). Health checks are waiting work: submit them all, then collect"
                   if tracker.peak < 10 else
                   "the results are collected late: polling with a sleep between looks, or "
                   "waiting a fixed time. Wait on the futures (as_completed, wait) with the "
                   "time that is left")
    check_statuses(feedback, board, guard, got, {name: "healthy" for name in checks},
                   workers=10)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_never_more_than_max_workers(check_services, board, guard, feedback):
    """never more than max_workers checks in flight"""
    # Each check waits until a 4th is in flight (at most 0.4 s after the first started): a
    # monitor that runs more than 3 at once always shows it.
    tracker = board.tracker
    checks = {f"node{i}": board.held(f"node{i}", seconds=0.05, until=lambda: tracker.peak > 3,
                                     cap=0.4) for i in range(12)}
    got = _call(guard, feedback, check_services, checks, timeout=3.0, max_workers=3)
    feedback.measure("most checks in flight at once", tracker.peak, expected="<= 3")
    check_statuses(feedback, board, guard, got, {name: "healthy" for name in checks},
                   workers=3)
    feedback.check(tracker.peak <= 3,
                   f"{tracker.peak} checks were in flight at once with max_workers=3.",
                   measured=f"peak {tracker.peak}", expected="at most 3",
                   cause="a thread per check instead of a pool of max_workers threads: with 500 "
                         "services that is 500 threads and 500 connections at once. "
                         "ThreadPoolExecutor(max_workers=max_workers) bounds it")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_no_thread_left_once_released(check_services, board, guard, feedback):
    """once a hung check finally returns, no thread of yours is left running"""
    checks = {f"api{i}": board.healthy(f"api{i}", 0.02) for i in range(4)}
    checks["ldap"] = board.hung("ldap")  # last: even one check at a time gets the others done
    got = _call(guard, feedback, check_services, checks, timeout=0.3, max_workers=7,
                deadline=HANG_DEADLINE,
                what="check_services(checks, timeout=0.3) with one check that never returns")
    # Earned only by a monitor that did its work: every check run, every status right.
    check_statuses(feedback, board, guard, got,
                   {f"api{i}": "healthy" for i in range(4)} | {"ldap": "timeout"}, workers=7)
    board.release.set()  # the hung service answers at last
    guard.check_no_leaks(
        grace=1.5,
        expected="no thread left once the hung check returned (the pool shut down)",
        cause="the pool is never shut down, so its threads wait for work forever (a pool kept "
              "in a global, or created and not shut down). Call pool.shutdown(wait=False, "
              "cancel_futures=True) when the deadline passes: the workers then exit as soon "
              "as their check returns")


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
def test_on_result_optional(check_services, board, guard, feedback):
    """on_result may be left out or None"""
    for kwargs in ({}, {"on_result": None}):
        checks = {"web": board.healthy("web", 0.01), "db": board.unhealthy("db")}
        got = _call(guard, feedback, check_services, checks, timeout=2.0, **kwargs)
        check_statuses(feedback, board, guard, got, {"web": "healthy", "db": "unhealthy"})


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_empty_checks(check_services, board, guard, feedback):
    """no checks: {} at once, and on_result is never called"""
    rec = Recorder()
    got = _call(guard, feedback, check_services, {}, timeout=2.0, on_result=rec)
    feedback.check(got == {}, "check_services({}) must return {}.",
                   measured=clip(repr(got), 100), expected="{}")
    feedback.check(not rec.calls, "on_result was called with no checks.",
                   measured=rec.names, expected="no calls")
    feedback.check(guard.elapsed < 0.3, f"check_services({{}}) took {guard.elapsed:.2f} s.",
                   measured=f"{guard.elapsed:.2f} s", expected="well under 0.3 s",
                   cause="waiting out the timeout with nothing to wait for")
    # No points for a monitor that returns {} whatever it is given: one check, right after.
    got = _call(guard, feedback, check_services, {"solo": board.healthy("solo")}, timeout=2.0)
    check_statuses(feedback, board, guard, got, {"solo": "healthy"})
