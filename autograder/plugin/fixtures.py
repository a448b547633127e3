"""The fixtures graded tests use (README, "Writing graded tests"): the student's module as
the judge sees it, the guard, feedback, the fake web, the kernel's CPU view. Each test's
process in the worker comes from `ck_session`; the others act on it."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ..checks import stacks
from ..checks.feedback import Feedback
from ..checks.web import MockWeb
from .messages import stub_signature_at
from .state import FEEDBACK, HANG, SESSION, SESSION_END, graded_info, state_of

@pytest.fixture
def feedback(request: pytest.FixtureRequest) -> Feedback:
    """Record measurements and fail with messages written for the student."""
    fb = Feedback(lesson=_lesson(request))
    request.node.stash[FEEDBACK] = fb
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
        from .. import manifest
        assignment = manifest.for_tests_dir(Path(str(item.path)))
    except Exception:  # noqa: BLE001 - a suite outside the manifest has no lesson
        return ""
    return assignment.lesson if assignment is not None else ""


def submission_for(request: pytest.FixtureRequest) -> Path:
    state = state_of(request.config)
    if state.submission is not None:
        return state.submission
    # Run directly with pytest: grade the stub that sits beside tests/.
    here = Path(str(request.node.path)).resolve().parent
    folder = here.parent if here.name == "tests" else here
    state.submission = folder
    stacks.STUDENT_ROOTS[:] = [os.path.realpath(folder)]
    return folder


def module_name(request: pytest.FixtureRequest) -> str:
    chosen = request.config.getoption("--ck-module")
    if chosen:
        return chosen
    from .. import manifest
    assignment = manifest.for_tests_dir(Path(str(request.node.path)))
    if assignment is None:
        raise pytest.UsageError("cannot tell which module to import: pass --ck-module")
    return assignment.module


def judge_of(request: pytest.FixtureRequest):
    from ..grading import judge
    state = state_of(request.config)
    if state.judge is None:
        path = request.config.getoption("--ck-judge")
        if path:
            config = judge.JudgeConfig.load(path)
        else:
            config = judge.default_config(submission_for(request), module_name(request))
        stacks.STUDENT_ROOTS[:] = [os.path.realpath(config.submission)]
        state.judge = judge.Judge(config)
    return state.judge


@pytest.fixture
def ck_session(request: pytest.FixtureRequest):
    """This test's process in the worker: fresh from the zygote, killed and
    wiped at teardown, after it has said what the student's code replaced."""
    judge = judge_of(request)
    session = judge.session()
    request.node.stash[SESSION] = session
    end = {"tampered": list(session.import_report.tampered), "output": ""}
    request.node.stash[SESSION_END] = end
    from ..grading import current
    from ..grading.exits import ExitWatch
    current.SESSION[0] = session
    watch = ExitWatch(session.pid).__enter__() if session.pid else None
    try:
        yield session
    finally:
        current.SESSION[0] = None
        if watch is not None:                  # before the grader kills what is left
            watch.stop()
            end["exits"] = [f"process {e.pid} {e.text()}" for e in watch.deaths()][:20]
    # A test that timed out may have left its process unable to answer (holding the GIL):
    # ask it briefly, so the end of the test stays within its grace (plugin HUNG_GRACE).
    wait = 0.5 if request.node.stash.get(HANG, None) is not None else 5
    for extra in session.extra_sessions:       # RemoteModule.fresh()
        answer = extra.ask("confess", timeout=wait) or {}
        end["tampered"] += [str(t)[:200] for t in answer.get("tampered") or []][:20]
        end["garbled"] = end.get("garbled") or extra.garbled
        extra.close()
    if request.node.stash.get(HANG, None) is None:   # a hang's message has them already
        from ..grading.observed import deaths_text
        end["deaths"] = deaths_text(session)         # first in a failing test's feedback
    answer = session.ask("confess", timeout=wait) or {}
    end["tampered"] += [str(t)[:200] for t in answer.get("tampered") or []][:20]
    end["garbled"] = end.get("garbled") or session.garbled
    end["output"] = session.close()


@pytest.fixture
def student(request: pytest.FixtureRequest, ck_session) -> Any:
    """The student's module (the assignment's first file) as the judge sees it: its
    functions run in the test's process in the worker, which imported it."""
    from ..grading import judge
    return judge.RemoteModule(ck_session, judge_of(request).report, module_name(request))


def _stub_signature(request: pytest.FixtureRequest, name: str) -> str | None:
    """`def name(args) -> ret` as the stub beside the tests declares it."""
    try:
        return stub_signature_at(request.node, name, module_name(request))
    except pytest.UsageError:
        return None


@pytest.fixture
def student_function(request: pytest.FixtureRequest, student: Any, feedback: Feedback):
    """student_function("download_all") -> the student's function, or a failure that
    quotes the stub's signature if it was renamed or deleted."""
    def get(name: str):
        __tracebackhide__ = True
        fn = getattr(student, name, None)
        if not callable(fn):
            file = f"{module_name(request)}.py"
            feedback.fail(f"{file} has no function {name}().",
                          expected=_stub_signature(request, name) or f"a function {name}()",
                          cause="the function was renamed or deleted; keep the stub's name "
                                "and signature")
        return fn
    return get


@pytest.fixture
def guard(request: pytest.FixtureRequest, feedback: Feedback):
    """See `Guard`: `guard.call(student.fn, ..., deadline=5)`, then `guard.leaks()`."""
    from ..grading.judge import RemoteGuard
    return RemoteGuard(feedback, lambda: request.node.stash[SESSION])


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

    from ..checks.procs import start_method
    if "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    request.getfixturevalue("ck_session")       # start_method acts on the worker
    with start_method("fork"):
        yield


@pytest.fixture
def tree_cpu(ck_session):
    """tree_cpu() -> a TreeCpu (grading/evidence.py) of the test's worker process: the
    kernel's count of the CPU each process under it used during the block, how long
    each was runnable, and the writes its caller made into pipes."""
    from ..grading.evidence import TreeCpu
    return lambda interval=0.01: TreeCpu(ck_session, interval)

