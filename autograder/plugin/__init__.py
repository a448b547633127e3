"""The pytest plugin of the judge: the graded tests run here, the student's code in a
worker process they call (grading/).

Registered in pyproject.toml (entry point `pytest11`), so `pytest assignments/01_*/tests`
works on its own: it grades the stub in that folder, or the folder named by
`--ck-submission` / the CK_SUBMISSION environment variable (a worker without the jail).

What it gives graded tests:
    @pytest.mark.points(2)                     points the test is worth
    @pytest.mark.visibility("visible")         or "after_due_date", "after_published", "hidden"
    @pytest.mark.timing                        the test measures time: it runs alone on the
                                               machine (machine_lock.py), never beside
                                               another graded test of any grading
    student        fixture: the student's module as the judge sees it (judge.RemoteModule):
                   each function call runs in the test's fresh process in the worker
    feedback       fixture: measure(...), note(...), fail(...) -> messages that teach
    guard          fixture: call the student's function under a deadline, then check
                   leaks, read from /proc (judge.RemoteGuard)
    student_function  fixture: student_function("name") -> the function, or a clear failure
    web            fixture: fake HTTP for `requests` with no global lock (checks/web.py),
                   answering the worker's requests here
    tree_cpu       fixture: the kernel's CPU time of each process of the test's (evidence.py)
    fork_by_default  fixture: the worker's pools start with `fork` unless a test says otherwise

What it does around them:
    per-test timeouts through pytest-timeout's own hook, with the stack of every thread of
    the test's worker process (trimmed to the student's file) in the failure message;
    a watchdog that gives up on a test that ignores the timeout;
    one JSON event per test on the channel fd the grader passed (--ck-channel-fd);
    the machine lock (--ck-lock-fd): timed tests exclusive, the others shared.
It never decides a score: the grader does.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from pathlib import Path

import pytest

from .. import machine_lock
from ..checks import stacks, timeline
from ..checks.feedback import GradedFailure
from ..checks.timing import now, sleep
from ..grading.judge import StudentImportError
from .fixtures import (ck_session, feedback, fork_by_default, guard, judge_of,  # noqa: F401
                       student, student_function, tree_cpu, web)             # (found here)
from .messages import deaths_first, exits_first, message, tampered
from .state import (CONFIG, FEEDBACK, HANG, HANG_CAUSE, HUNG_GRACE, KEY, SESSION_END,  # noqa: F401
                    VISIBILITIES, Grading, TestHung, graded_info, is_hidden, state_of,
                    state_or_none)


# --------------------------------------------------------------------- options

def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("concurrency-kit", "concurrency-kit grading")
    group.addoption("--ck-submission", default=None,
                    help="folder holding the student's file(s) (default: $CK_SUBMISSION, "
                         "else the assignment's own folder, i.e. the stub)")
    group.addoption("--ck-channel-fd", type=int, default=None,
                    help="file descriptor to write result events to (set by the grader)")
    group.addoption("--ck-key-fd", type=int, default=None,
                    help="file descriptor to read the key that signs the events from "
                         "(set by the grader; read and closed at start-up)")
    group.addoption("--ck-visibility", default="all", choices=("all", "visible"),
                    help="'visible' runs only the tests students may see (make check)")
    group.addoption("--ck-lock-fd", type=int, default=None,
                    help="file descriptor of the machine lock (set by the grader): timed "
                         "tests run alone on the machine")
    group.addoption("--ck-scrub", action="store_true", default=False,
                    help="once collected, delete the test files holding only non-visible "
                         "tests, before any student code runs (set by the grader, which "
                         "runs a scratch copy of the tests)")
    group.addoption("--ck-module", default=None,
                    help="module the `student` fixture imports (default: from the manifest)")
    group.addoption("--ck-judge", default=None,
                    help="the worker's configuration (set by the grader: its jail, its "
                         "folder, the submission), a JSON file")
    group.addoption("--ck-lesson", default=None,
                    help="the lesson section the assignment practises (the manifest's "
                         "`lesson`), named under a likely cause that does not quote it")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points a graded test is worth")
    config.addinivalue_line("markers", "visibility(v): visible, hidden, after_due_date or after_published")
    config.addinivalue_line("markers", "timing: the test measures time; under the grader it runs "
                                       "alone on the machine (no other graded test meanwhile)")
    config.stash[KEY] = Grading(config)
    CONFIG[0] = config
    stacks.TEST_ROOTS[:] = [os.path.realpath(config.rootpath)]
    if config.getoption("--ck-channel-fd") is not None:
        _start_watchdog(config)


# ----------------------------------------------------------------- collection

def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    state = state_of(config)
    if config.getoption("--ck-visibility") == "visible":
        keep, drop = [], []
        for item in items:
            info = graded_info(item)
            (keep if info is None or info["visibility"] == "visible" else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
    graded = [info for info in (graded_info(i) for i in items) if info is not None]
    state.send("collected", tests=graded)


# -------------------------------------------------------------------- timeouts

@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings) -> bool | None:
    """pytest-timeout's hook: we take the timer so a hang's stacks reach the feedback."""
    state = state_of(item.config)
    state.current_timeout = settings.timeout
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        return None  # let pytest-timeout use its thread method

    def handler(signum, frame):
        __tracebackhide__ = True
        item.stash[HANG] = _hang_stacks(frame)
        raise TestHung(f"Timeout: the test did not finish within {settings.timeout:g} s.")

    def cancel():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel  # read by pytest-timeout's cancel hook
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


HANG_STACKS_WAIT = 1.0   # seconds a timed-out test waits for the worker's stacks (< HUNG_GRACE)


def _hang_stacks(frame) -> str:
    """Where the test is stuck: in the middle of a call of the student's, the threads of
    its process in the worker, the student's lines first (the judge's own threads only
    wait for it); otherwise the test's own code is stuck: this process's threads."""
    from ..grading import current
    session = current.session()
    if session is not None and not session.closed and session.busy:
        # Asked from a thread of its own: this runs in a signal handler, and the frame it
        # interrupted may hold a lock that asking takes (the worker's freeze lock).
        from ..grading.judge import where
        box: list[str] = []

        def ask() -> None:
            try:
                box.append(where(session))
            except Exception:  # noqa: BLE001 - a worker that cannot answer shows no stacks
                pass
        helper = threading.Thread(target=ask, name="ck-hang-stacks", daemon=True)
        helper.start()
        helper.join(HANG_STACKS_WAIT)
        return (box[0] if box else "") or \
            "(the test's process in the worker did not say where its threads were)"
    main = [("main thread (the test)", stacks.format_frames(traceback.extract_stack(frame)))]
    return stacks.render(main + stacks.thread_stacks(skip_current=True))


def _start_watchdog(config: pytest.Config) -> None:
    """If a test outlives its timeout by HUNG_GRACE (the alarm could not interrupt it),
    report it with every thread's stack and end this process; the grader runs the
    remaining tests in a fresh one."""
    state = state_of(config)

    def watch():
        while True:
            sleep(0.2)
            item, timeout = state.current, state.current_timeout
            if item is None or not timeout:
                continue
            if now() - state.current_since > timeout + HUNG_GRACE and state.current is item:
                text = stacks.render(stacks.thread_stacks(skip_current=True))
                state.send("hung", nodeid=item.nodeid, message=GradedFailure(
                    f"The test ignored its {timeout:g} s timeout and was abandoned.",
                    measured=f"still running {timeout + HUNG_GRACE:g} s after it started, "
                             f"past its timeout",
                    expected=f"the test finishes well within its {timeout:g} s",
                    cause="a thread blocked the interpreter (a long call that never lets go "
                          "of the GIL, the lesson's bathroom key), or your code caught the "
                          "timeout (a bare `except:`)",
                    where=text, where_label="where (every thread when it was abandoned)").text())
                os._exit(70)

    t = threading.Thread(target=watch, name="ck-watchdog", daemon=True)
    t._ck_internal = True  # type: ignore[attr-defined]
    t._ck_hidden = True  # type: ignore[attr-defined]  never shown in stacks
    t.start()


# --------------------------------------------------------------------- results

@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    state = state_of(item.config)
    timed = item.get_closest_marker("timing") is not None
    # Outermost wrapper (tryfirst): the wait for the machine happens before pytest-timeout
    # starts its timer and before the grader's stall clock starts ("start").
    state.send("queued", nodeid=item.nodeid, timing=timed)
    with machine_lock.hold(item.config.getoption("--ck-lock-fd"), exclusive=timed) as seat:
        state.current, state.current_since, state.current_reports = item, now(), []
        state.send("start", nodeid=item.nodeid, waited=round(seat["waited"], 3))
        timeline.begin_test()
        yield
        event = _result_event(item, state.current_reports)
        if (picture := _timeline()) is not None:
            event["timeline"] = picture
        changed: list[str] = []
        end = item.stash.get(SESSION_END, None)
        if end is not None:
            # What the worker confessed, and what the student's code printed.
            changed = sorted(set(end["tampered"]))
            garbled = end.get("garbled") or next(
                (r.ck_garbled for r in state.current_reports if hasattr(r, "ck_garbled")), None)
            if garbled:
                event["garbled"] = str(garbled)[:300]
            if end["output"]:
                event["output"] = (event["output"] + f"[printed by your code]\n{end['output']}")[-2000:]
            if end.get("deaths") and event["outcome"] != "passed":
                event["message"] = deaths_first(end["deaths"], event["message"])
            if end.get("exits") and event["outcome"] != "passed":
                event["message"] = exits_first(end["exits"], event["message"])
        if changed:
            event.update(outcome="failed", tampered=changed[:20], message=tampered(changed))
        state.send("result", **event)
        state.current = None
        if changed or event.get("garbled"):
            # Nothing after this test counts (runner.py): stop here rather than run them.
            sys.stdout.flush()
            os._exit(3)


def _timeline() -> dict | None:
    """What the student's threads did in the test (checks/timeline.py); never a reason for
    a result to go missing."""
    try:
        return timeline.of_test()
    except Exception:  # noqa: BLE001 - a picture is a bonus
        return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = state_or_none()
    if state is not None and state.current is not None and report.nodeid == state.current.nodeid:
        state.current_reports.append(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        report.ck_message = message(item, call) or \
            f"The test failed: {type(call.excinfo.value).__name__}"  # type: ignore[attr-defined]
        from ..grading.worker import Garbled, WorkerDied
        if isinstance(call.excinfo.value, WorkerDied):
            report.ck_outcome = "crashed"           # type: ignore[attr-defined]
        elif isinstance(call.excinfo.value, Garbled):
            report.ck_garbled = str(call.excinfo.value)   # type: ignore[attr-defined]
        if isinstance(call.excinfo.value, (GradedFailure, TestHung, StudentImportError)) or \
                is_hidden(item):
            # Show the student's message, not pytest's traceback of the test itself (a
            # hidden test's traceback is its source: it must never reach the student).
            report.longrepr = report.ck_message  # type: ignore[attr-defined]


def _result_event(item: pytest.Item, reports: list[pytest.TestReport]) -> dict:
    failed = [r for r in reports if r.failed]
    skipped = [r for r in reports if r.skipped]
    if failed:
        first = failed[0]
        outcome = getattr(first, "ck_outcome", None) or ("failed" if first.when == "call"
                                                          else "error")
        message = getattr(first, "ck_message", "") or str(first.longrepr)[-3000:]
        if first.when == "teardown":
            message = "After the test, cleaning up failed: " + message
    elif skipped:
        outcome, message = "skipped", str(skipped[0].longrepr)[-500:]
    else:
        outcome, message = "passed", ""
    fb = item.stash.get(FEEDBACK, None)
    output = "".join(f"[{name}]\n{text}" for r in reports for name, text in r.sections
                     if text and name.startswith("Captured"))
    return {
        "nodeid": item.nodeid, "outcome": outcome, "message": message,
        "measurements": [m.as_dict() for m in fb.measurements] if fb else [],
        "notes": list(fb.notes) if fb else [],
        "flags": list(fb.flags) if fb else [],
        "duration": sum(r.duration for r in reports),
        "output": output[-2000:],
    }


def pytest_collection_finish(session: pytest.Session) -> None:
    """Scrub the hidden tests from disk (--ck-scrub); then move everything imported so far
    out of the garbage collector's sight: a full collection (~16 ms in a grading process)
    must not land inside a timed run."""
    stacks.HIDDEN_FILES.clear()
    stacks.HIDDEN_FILES.update(os.path.realpath(p) for p in hidden_files(session.items))
    if session.config.getoption("--ck-scrub"):
        scrub_hidden(session.items)
    import gc
    gc.collect()
    gc.freeze()


def hidden_files(items: list[pytest.Item]) -> list[Path]:
    """The collected test files whose graded tests are all non-visible."""
    by_file: dict[Path, bool] = {}
    for item in items:
        info = graded_info(item)
        hidden = info is not None and info["visibility"] != "visible"
        path = Path(str(item.path))
        by_file[path] = by_file.get(path, True) and hidden
    return [path for path, hidden in by_file.items() if hidden]


def scrub_hidden(items: list[pytest.Item]) -> list[Path]:
    """Delete every collected test file whose graded tests are all non-visible. Their code
    is compiled and in memory already; student code, which runs only from the first
    test's fixtures on, finds no file to read (the PrairieLearn way)."""
    gone = []
    for path in hidden_files(items):
        try:
            path.unlink()
            gone.append(path)
        except OSError:
            pass
    return gone


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session: pytest.Session):
    _start_judge(session)
    yield
    state_of(session.config).send("done")


def _start_judge(session: pytest.Session) -> None:
    """Import the student's module in the worker once, before the first test (its own
    time limit, not a test's), sharing the machine like an untimed test; the wait for the
    machine is announced (worker-queued, worker-start) so the grader does not count it
    against the budget. Only for a suite whose graded tests call the student's code."""
    items = [i for i in session.items if graded_info(i) is not None
             and "ck_session" in getattr(i, "fixturenames", ())]
    if session.config.getoption("--collect-only") or not items:
        return
    import types
    first = types.SimpleNamespace(config=session.config, node=items[0])
    state = state_of(session.config)
    state.send("worker-queued")
    with machine_lock.hold(session.config.getoption("--ck-lock-fd"), exclusive=False) as seat:
        state.send("worker-start", waited=round(seat["waited"], 3))
        judge_of(first).start()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(KEY, None)
    CONFIG[0] = None
    if state is not None and state.judge is not None:
        state.judge.close()
    if state is None or state.writer is None:
        return
    # Threads a submission left running would keep this process alive at exit;
    # the results are already sent, so leave now.
    leftover = [t for t in threading.enumerate()
                if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if leftover:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

