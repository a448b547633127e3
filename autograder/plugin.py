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

import errno
import os
import re
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import pytest

from . import channel as _channel
from . import machine_lock
from .checks import stacks
from .checks.feedback import Feedback, GradedFailure
from .checks.timing import now, sleep
from .checks.web import MockWeb

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
HUNG_GRACE = 2.0  # seconds past the test timeout before the watchdog gives up on a test
HANG_CAUSE = ("a thread waits for something that never comes: a join() on a queue whose "
              "task_done() calls are missing, a get() with no sentinel, or a lock never "
              "released (lesson IV, 'Clean shutdown: Use sentinel values (like None) to stop "
              "workers')")


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


class TestHung(pytest.fail.Exception):  # a BaseException: `except Exception` cannot eat it
    """A graded test ran past its timeout."""


from .grading.judge import StudentImportError  # noqa: E402 - one class for both engines


# ------------------------------------------------------------------- the state

class _Grading:
    """Per-session state of the plugin."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        fd, key_fd = config.getoption("--ck-channel-fd"), config.getoption("--ck-key-fd")
        key = _channel.read_key(key_fd) if key_fd is not None else None
        self.writer = _channel.Writer(fd, key) if fd is not None else None
        del key
        self.current: pytest.Item | None = None
        self.current_since = 0.0
        self.current_timeout: float | None = None
        self.current_reports: list = []
        self.results: dict[str, dict] = {}
        self.submission = self._submission_dir()
        if self.submission is not None:
            stacks.STUDENT_ROOTS[:] = [os.path.realpath(self.submission)]
        self.judge = None                        # grading.judge.Judge, started lazily

    def _submission_dir(self) -> Path | None:
        chosen = self.config.getoption("--ck-submission") or os.environ.get("CK_SUBMISSION")
        if chosen:
            return Path(chosen).resolve()
        return None

    def send(self, event: str, **fields: Any) -> None:
        if self.writer is not None:
            self.writer.send(event, **fields)


_KEY = pytest.StashKey[_Grading]()
_FEEDBACK = pytest.StashKey[Feedback]()
_HANG = pytest.StashKey[str]()


def _state(config: pytest.Config) -> _Grading:
    return config.stash[_KEY]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points a graded test is worth")
    config.addinivalue_line("markers", "visibility(v): visible, hidden, after_due_date or after_published")
    config.addinivalue_line("markers", "timing: the test measures time; under the grader it runs "
                                       "alone on the machine (no other graded test meanwhile)")
    global _CONFIG
    config.stash[_KEY] = _Grading(config)
    _CONFIG = config
    stacks.TEST_ROOTS[:] = [os.path.realpath(config.rootpath)]
    if config.getoption("--ck-channel-fd") is not None:
        _start_watchdog(config)


# ----------------------------------------------------------------- collection

def graded_info(item: pytest.Item) -> dict | None:
    """{points, visibility} of a graded test, or None for an ordinary test."""
    points = item.get_closest_marker("points")
    if points is None:
        return None
    vis = item.get_closest_marker("visibility")
    visibility = vis.args[0] if vis else "visible"
    if visibility not in VISIBILITIES:
        raise pytest.UsageError(f"{item.nodeid}: visibility {visibility!r} not one of {VISIBILITIES}")
    value = points.args[0]
    if not isinstance(value, (int, float)) or value < 0:
        raise pytest.UsageError(f"{item.nodeid}: points must be a number >= 0, not {value!r}")
    doc = (getattr(item, "function", None).__doc__ or "").strip() if hasattr(item, "function") else ""
    return {"nodeid": item.nodeid, "name": _title(item, doc), "points": float(value),
            "visibility": visibility, "doc": doc,
            "timing": item.get_closest_marker("timing") is not None}


def _title(item: pytest.Item, doc: str) -> str:
    first = doc.splitlines()[0].strip() if doc else ""
    base = getattr(item, "originalname", None) or item.name
    title = first or base.removeprefix("test_").replace("_", " ")
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params:
        title += " (" + ", ".join(f"{k}={v!r}" for k, v in callspec.params.items()) + ")"
    return title


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    state = _state(config)
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


# ------------------------------------------------------------------- fixtures

@pytest.fixture
def feedback(request: pytest.FixtureRequest) -> Feedback:
    """Record measurements and fail with messages written for the student."""
    fb = Feedback(lesson=_lesson(request))
    request.node.stash[_FEEDBACK] = fb
    return fb


def _lesson(request: pytest.FixtureRequest) -> str:
    """'IV. Simple Queue Coordination (...)': the lesson section the assignment practises.
    The grader passes the manifest's (--ck-lesson: the sandbox holds no manifest); run
    directly with pytest, it is read from the manifest."""
    given = request.config.getoption("--ck-lesson")
    if given is not None:
        return given
    item = request.node
    try:
        from . import manifest
        assignment = manifest.for_tests_dir(Path(str(item.path)))
    except Exception:  # noqa: BLE001 - a suite outside the manifest has no lesson
        return ""
    return assignment.lesson if assignment is not None else ""


def _submission_for(request: pytest.FixtureRequest) -> Path:
    state = _state(request.config)
    if state.submission is not None:
        return state.submission
    # Run directly with pytest: grade the stub that sits beside tests/.
    here = Path(str(request.node.path)).resolve().parent
    folder = here.parent if here.name == "tests" else here
    state.submission = folder
    stacks.STUDENT_ROOTS[:] = [os.path.realpath(folder)]
    return folder


def _module_name(request: pytest.FixtureRequest) -> str:
    chosen = request.config.getoption("--ck-module")
    if chosen:
        return chosen
    from . import manifest
    assignment = manifest.for_tests_dir(Path(str(request.node.path)))
    if assignment is None:
        raise pytest.UsageError("cannot tell which module to import: pass --ck-module")
    return assignment.module


def _judge(request: pytest.FixtureRequest):
    from .grading import judge
    state = _state(request.config)
    if state.judge is None:
        path = request.config.getoption("--ck-judge")
        if path:
            config = judge.JudgeConfig.load(path)
        else:
            config = judge.default_config(_submission_for(request), _module_name(request))
        stacks.STUDENT_ROOTS[:] = [os.path.realpath(config.submission)]
        state.judge = judge.Judge(config)
    return state.judge


_SESSION = pytest.StashKey[Any]()
_SESSION_END = pytest.StashKey[dict]()


@pytest.fixture
def ck_session(request: pytest.FixtureRequest):
    """This test's process in the worker (judge engine): fresh from the zygote, killed and
    wiped at teardown, after it has said what the student's code replaced."""
    judge = _judge(request)
    session = judge.session()
    request.node.stash[_SESSION] = session
    end = {"tampered": list(session.import_report.tampered), "output": ""}
    request.node.stash[_SESSION_END] = end
    from .grading import current
    current.SESSION[0] = session
    try:
        yield session
    finally:
        current.SESSION[0] = None
    for extra in session.extra_sessions:       # RemoteModule.fresh()
        answer = extra.ask("confess", timeout=5) or {}
        end["tampered"] += [str(t)[:200] for t in answer.get("tampered") or []][:20]
        end["garbled"] = end.get("garbled") or extra.garbled
        extra.close()
    answer = session.ask("confess", timeout=5) or {}
    end["tampered"] += [str(t)[:200] for t in answer.get("tampered") or []][:20]
    end["garbled"] = end.get("garbled") or session.garbled
    end["output"] = session.close()


@pytest.fixture
def student(request: pytest.FixtureRequest) -> Any:
    """The student's module (the assignment's first file), imported from the submission:
    in this process, or (judge engine) in the test's worker process."""
    from .grading import judge
    session = request.getfixturevalue("ck_session")
    return judge.RemoteModule(session, _judge(request).report, _module_name(request))


def _stub_signature(request: pytest.FixtureRequest, name: str) -> str | None:
    """`def name(args) -> ret` as the stub beside the tests declares it."""
    try:
        return _stub_signature_at(request.node, name, _module_name(request))
    except pytest.UsageError:
        return None


def _stub_signature_at(item: pytest.Item, name: str, module: str | None = None) -> str | None:
    import ast
    try:
        module = module or item.config.getoption("--ck-module")
        if not module:
            return None
        stub = Path(str(item.path)).resolve().parent.parent / f"{module}.py"
        for node in ast.parse(stub.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                ret = f" -> {ast.unparse(node.returns)}" if node.returns else ""
                return f"def {name}({ast.unparse(node.args)}){ret}"
    except (OSError, SyntaxError, ValueError, pytest.UsageError):
        pass
    return None


@pytest.fixture
def student_function(request: pytest.FixtureRequest, student: Any, feedback: Feedback):
    """student_function("download_all") -> the student's function, or a failure that
    quotes the stub's signature if it was renamed or deleted."""
    def get(name: str):
        __tracebackhide__ = True
        fn = getattr(student, name, None)
        if not callable(fn):
            file = f"{_module_name(request)}.py"
            feedback.fail(f"{file} has no function {name}().",
                          expected=_stub_signature(request, name) or f"a function {name}()",
                          cause="the function was renamed or deleted; keep the stub's name "
                                "and signature")
        return fn
    return get


@pytest.fixture
def guard(request: pytest.FixtureRequest, feedback: Feedback):
    """See `Guard`: `guard.call(student.fn, ..., deadline=5)`, then `guard.leaks()`."""
    from .grading.judge import RemoteGuard
    return RemoteGuard(feedback, lambda: request.node.stash[_SESSION])


@pytest.fixture
def web(request: pytest.FixtureRequest):
    """Fake HTTP for everything made with `requests`, concurrently (see MockWeb): here
    (the grader's own requests) and, in a graded test, in the test's worker process, whose
    every request is answered here."""
    with MockWeb() as fake:
        if graded_info(request.node) is not None:
            session = request.getfixturevalue("ck_session")
            session.configure(web=session.refs.number(fake.serve))
        yield fake


@pytest.fixture
def fork_by_default(request: pytest.FixtureRequest):
    """Run the test with the `fork` start method, whatever this Python's default (fork on
    Linux up to 3.13, forkserver from 3.14), so verdicts are the same on every Python.
    Request it from an autouse fixture in an assignment's conftest; tests about start
    methods switch with `start_method(...)` inside."""
    import multiprocessing

    from .checks.procs import start_method
    if "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    request.getfixturevalue("ck_session")       # start_method acts on the worker
    with start_method("fork"):
        yield


@pytest.fixture
def tree_cpu(request: pytest.FixtureRequest):
    """tree_cpu() -> a TreeCpu (grading/evidence.py) of the test's worker process: the
    kernel's count of the CPU each process under it used during the block, and the
    writes its caller made into pipes (judge engine)."""
    from .grading.evidence import TreeCpu
    session = request.getfixturevalue("ck_session")
    return lambda interval=0.01: TreeCpu(session, interval)


# -------------------------------------------------------------------- timeouts

@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings) -> bool | None:
    """pytest-timeout's hook: we take the timer so a hang's stacks reach the feedback."""
    state = _state(item.config)
    state.current_timeout = settings.timeout
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        return None  # let pytest-timeout use its thread method

    def handler(signum, frame):
        __tracebackhide__ = True
        item.stash[_HANG] = _hang_stacks(frame)
        raise TestHung(f"Timeout: the test did not finish within {settings.timeout:g} s.")

    def cancel():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel  # read by pytest-timeout's cancel hook
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


def _hang_stacks(frame) -> str:
    """Where the test is stuck: in the middle of a call of the student's, the threads of
    its process in the worker, the student's lines first (the judge's own threads only
    wait for it); otherwise the test's own code is stuck: this process's threads."""
    from .grading import current
    session = current.session()
    if session is not None and not session.closed and session.busy:
        from .grading.judge import where
        try:
            text = where(session)
        except Exception:  # noqa: BLE001 - a worker that cannot answer has no stacks to show
            text = ""
        return text or "(the test's process in the worker did not say where its threads were)"
    main = [("main thread (the test)", stacks.format_frames(traceback.extract_stack(frame)))]
    return stacks.render(main + stacks.thread_stacks(skip_current=True))


def _start_watchdog(config: pytest.Config) -> None:
    """If a test outlives its timeout by HUNG_GRACE (the alarm could not interrupt it),
    report it with every thread's stack and end this process; the grader runs the
    remaining tests in a fresh one."""
    state = _state(config)

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
    state = _state(item.config)
    timed = item.get_closest_marker("timing") is not None
    # Outermost wrapper (tryfirst): the wait for the machine happens before pytest-timeout
    # starts its timer and before the grader's stall clock starts ("start").
    state.send("queued", nodeid=item.nodeid, timing=timed)
    with machine_lock.hold(item.config.getoption("--ck-lock-fd"), exclusive=timed) as seat:
        state.current, state.current_since, state.current_reports = item, now(), []
        state.send("start", nodeid=item.nodeid, waited=round(seat["waited"], 3))
        yield
        event = _result_event(item, state.current_reports)
        changed: list[str] = []
        end = item.stash.get(_SESSION_END, None)
        if end is not None:
            # What the worker confessed, and what the student's code printed.
            changed = sorted(set(end["tampered"]))
            garbled = end.get("garbled") or next(
                (r.ck_garbled for r in state.current_reports if hasattr(r, "ck_garbled")), None)
            if garbled:
                event["garbled"] = str(garbled)[:300]
            if end["output"]:
                event["output"] = (event["output"] + f"[printed by your code]\n{end['output']}")[-2000:]
        if changed:
            event.update(outcome="failed", tampered=changed[:20], message=_tampered(changed))
        state.send("result", **event)
        state.current = None
        if changed or event.get("garbled"):
            # Nothing after this test counts (runner.py): stop here rather than run them.
            sys.stdout.flush()
            os._exit(3)


def _tampered(changed: list[str]) -> str:
    # The grader does not believe this result (channel.audit): it explains to the student.
    shown = ", ".join(changed[:6]) + (f" and {len(changed) - 6} more" if len(changed) > 6 else "")
    return f"Your code replaced something the grading relies on: {shown}."


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _state_or_none()
    if state is not None and state.current is not None and report.nodeid == state.current.nodeid:
        state.current_reports.append(report)


def _limit_hit(exc: BaseException) -> str:
    """Which of the jail's limits `exc` comes from, in words ("" if none)."""
    from . import jail
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return (f"\nYour code wrote more than {jail.MAX_FILE_MB} MB (printed output, which the "
                f"test captures in a file, or a file of its own): the grader stops a submission "
                f"there instead of letting it fill the disk. Look for a print() or a write() in "
                f"a loop that never ends.")
    if isinstance(exc, MemoryError) or (isinstance(exc, OSError) and exc.errno == errno.ENOMEM):
        together = os.environ.get("CK_MEMORY_MB", str(jail.MAX_MEMORY_MB))
        return (f"\nA process of a grading may use {jail.MAX_AS_GB} GB of memory at most (all "
                f"of them together {together} MB). Look for a list, a string or a queue that "
                f"grows without end.")
    if (isinstance(exc, OSError) and exc.errno == errno.EAGAIN) or \
            (isinstance(exc, RuntimeError) and "can't start new thread" in str(exc)):
        return (f"\nA grading may run {jail.MAX_TASKS} processes and threads at once. Look for "
                f"a loop that starts a process or a thread per item instead of using a pool.")
    return ""


def _message(item: pytest.Item, call: pytest.CallInfo) -> str:
    exc = call.excinfo.value if call.excinfo else None
    if exc is None:
        return ""
    if isinstance(exc, GradedFailure):
        return exc.text()
    if isinstance(exc, TestHung):
        hang = item.stash.get(_HANG, "")
        limit = _state(item.config).current_timeout
        return GradedFailure(
            f"{exc.msg}\nIt hung.", measured=f"still running after {limit or 0:g} s",
            expected=f"the test finishes well within its {limit or 0:g} s", cause=HANG_CAUSE,
            where=hang,
            where_label="where (every thread when the time ran out, your file's lines first)"
        ).text()
    if isinstance(exc, StudentImportError):
        return str(exc)
    from .grading.worker import Garbled, WorkerDied
    if isinstance(exc, WorkerDied):
        return str(exc)
    if isinstance(exc, Garbled):
        return (f"Not graded: your code wrote to the grader's channel something that is not "
                f"the grader's protocol ({exc}).")
    frames = getattr(exc, "ck_frames", None)      # raised in the worker: its own traceback
    if frames is None:
        frames = traceback.extract_tb(exc.__traceback__)
    student_frames = [fs for fs in frames if stacks.is_student_file(fs.filename)]
    why = _limit_hit(exc)
    if isinstance(exc, TypeError) and "argument" in str(exc):
        called = re.match(r"(\w+)\(\)", str(exc))
        signature = _stub_signature_at(item, called.group(1)) if called else None
        if signature:
            why = (f"\nThe tests call it the way the stub declares it: {signature}. Keep the "
                   f"stub's parameters, their names and their defaults.")
    if student_frames:
        last = student_frames[-1]
        title = graded_info(item)
        return GradedFailure(
            f"Your code raised {type(exc).__name__}: {_said(exc)}{why}",
            measured=f"{type(exc).__name__} raised in {last.name}() "
                     f"({Path(last.filename).name}, line {last.lineno}) and not caught",
            expected=f"{title['name'] if title else 'the test passes'}, with no exception "
                     f"escaping your code",
            cause="an input or a failure this test brings that your code does not handle (an "
                  "empty input, a size that comes out as 0, a request that fails); the line "
                  "marked below is where it went wrong",
            where="\n".join(stacks.format_frames(student_frames[-4:], full=True,
                                                 marker="raised here"))).text()
    if _is_hidden(item):
        # Never a line of a hidden test: pytest's text of a failed plain `assert` quotes
        # the test's own expression (and its longrepr, the test's source).
        said = _said(exc)
        return (f"A hidden test failed: {type(exc).__name__}"
                + (f": {said}" if said else " (the hidden test's own check; its code is not "
                                            "shown)") + why)
    return f"The test failed: {call.excinfo.exconly()}{why}"


def _said(exc: BaseException) -> str:
    """What `exc` says, without pytest's rewritten-assert explanation ("assert x == 3
    + where ..."), which quotes the test's source: a plain `assert cond, "text"` says
    "text"; a plain `assert cond` says nothing."""
    text = str(exc)
    if isinstance(exc, AssertionError) and not isinstance(exc, GradedFailure):
        kept = []
        for line in text.splitlines():
            if line.startswith("assert ") or line == "assert":
                break
            kept.append(line)
        text = "\n".join(kept).strip()
    return text[:2000]


def _is_hidden(item: pytest.Item) -> bool:
    info = graded_info(item)
    return (info is not None and info["visibility"] != "visible") or \
        stacks.is_hidden_file(str(item.path))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        report.ck_message = _message(item, call) or \
            f"The test failed: {type(call.excinfo.value).__name__}"  # type: ignore[attr-defined]
        from .grading.worker import Garbled, WorkerDied
        if isinstance(call.excinfo.value, WorkerDied):
            report.ck_outcome = "crashed"           # type: ignore[attr-defined]
        elif isinstance(call.excinfo.value, Garbled):
            report.ck_garbled = str(call.excinfo.value)   # type: ignore[attr-defined]
        if isinstance(call.excinfo.value, (GradedFailure, TestHung, StudentImportError)) or \
                _is_hidden(item):
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
    fb = item.stash.get(_FEEDBACK, None)
    output = "".join(f"[{name}]\n{text}" for r in reports for name, text in r.sections
                     if text and name.startswith("Captured"))
    return {
        "nodeid": item.nodeid, "outcome": outcome, "message": message,
        "measurements": [m.as_dict() for m in fb.measurements] if fb else [],
        "notes": list(fb.notes) if fb else [],
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
    _state(session.config).send("done")


def _start_judge(session: pytest.Session) -> None:
    """Judge engine: import the student's module in the worker once, before the first
    test (its own time limit, not a test's), sharing the machine like an untimed test."""
    items = [i for i in session.items if graded_info(i) is not None]
    if session.config.getoption("--collect-only") or not items:
        return
    import types
    first = types.SimpleNamespace(config=session.config, node=items[0])
    with machine_lock.hold(session.config.getoption("--ck-lock-fd"), exclusive=False):
        _judge(first).start()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    global _CONFIG
    state = config.stash.get(_KEY, None)
    _CONFIG = None
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


_CONFIG: pytest.Config | None = None


def _state_or_none() -> _Grading | None:
    return _CONFIG.stash.get(_KEY, None) if _CONFIG is not None else None
