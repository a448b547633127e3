"""autograder.plugin, end to end: a tiny graded suite run in a child exactly the way
runner.pytest_command runs an assignment's tests, its events read by sandbox.run_child.

The children are started once per module (each costs a pytest start-up); the tests
below look at what they reported.
"""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from autograder import KIT_ROOT, runner, sandbox

TIMEOUT = 2

QUICK = '''
    """Quick tests: visible and hidden ones, and one the grader does not grade."""
    import pytest


    @pytest.mark.points(2)
    @pytest.mark.visibility("visible")
    def test_passes(student, feedback):
        """the answer is 42

        More words that are not part of the title.
        """
        feedback.measure("answer", student.answer(), expected=42)
        feedback.note("a note for the student")
        print("printed by the test")
        assert student.answer() == 42


    @pytest.mark.points(1)
    @pytest.mark.parametrize("n", [1, 2])
    def test_param(student, n):
        assert n == 1


    @pytest.mark.points(1.5)
    @pytest.mark.visibility("after_published")
    def test_hidden_after_published(student):
        assert student.answer() == 42


    @pytest.mark.points(0.5)
    @pytest.mark.visibility("hidden")
    def test_hidden_plain(student):
        assert student.answer() == 42


    def test_not_graded():
        pass
'''

SLOW = '''
    """Failing, hanging and raising tests."""
    import pytest


    @pytest.mark.points(3)
    def test_fails_with_feedback(student, feedback):
        feedback.fail("Only one worker ran at a time.", measured="peak 1 call in flight",
                      expected="peak 3 calls in flight", cause="a lock held around handle()")


    @pytest.mark.points(1)
    def test_plain_assert_fails(student):
        assert student.answer() == 41


    @pytest.mark.points(1)
    def test_student_raises(student):
        student.boom()


    @pytest.mark.points(1)
    def test_hangs(student):
        student.hang()


    @pytest.mark.points(1)
    def test_guard_deadline(student, guard):
        guard.call(student.hang, deadline=0.5)


    @pytest.mark.points(1)
    def test_huge_error(student):
        student.huge()


    @pytest.mark.points(1)
    def test_holds_the_gil(student):
        student.hold_the_gil()


    @pytest.mark.points(1)
    def test_after_the_others(student):
        assert student.answer() == 42
'''

STUDENT = '''\
import threading


def answer():
    return 42


def hang():
    threading.Event().wait()


def boom():
    return {}["missing key"]


def huge():
    raise ValueError("x" * 300_000)


def hold_the_gil():
    import re
    re.match(r"(a+)+$", "a" * 64 + "b")     # backtracks for ages without letting go
'''
HANG_LINE = 9   # the line of threading.Event().wait() above
BOOM_LINE = 13

SYNTAX_ERROR = "def answer():\n    return 42\n\ndef broken(:\n    pass\n"
EXITS = "import sys\n\nsys.exit(3)\n"


def _command(suite: Path, scratch: Path, submission: Path, *targets: str,
             visibility: str = "all", extra: tuple[str, ...] = ()) -> list[str]:
    """runner.pytest_command, with the rootdir pointed at our suite."""
    ini = scratch / "pytest.ini"
    if not ini.exists():
        ini.write_text("[pytest]\n")
    return [sys.executable, "-I", "-c", runner._BOOT, str(KIT_ROOT),
            "-p", "autograder.plugin", "-p", "pytest_timeout", "-p", "no:cacheprovider",
            "-c", str(ini), "--rootdir", str(suite),
            "-q", "--no-header", "-p", "no:randomly",
            f"--timeout={TIMEOUT}", "--ck-module=studentmod", f"--ck-visibility={visibility}",
            f"--ck-submission={submission}", *extra, *[str(suite / t) for t in targets]]


class Runs:
    def __init__(self, root: Path):
        self.root = root
        self.suite = root / "suite"
        (self.suite / "tests").mkdir(parents=True)
        (self.suite / "tests" / "test_quick.py").write_text(textwrap.dedent(QUICK))
        (self.suite / "tests" / "test_slow.py").write_text(textwrap.dedent(SLOW))
        self.cache: dict[str, sandbox.ChildRun] = {}

    def submission(self, name: str, code: str | None) -> Path:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        if code is not None:
            (folder / "studentmod.py").write_text(code)
        else:
            (folder / "other.py").write_text("")
        return folder

    def run(self, key: str, code: str | None, *targets: str, **kw) -> sandbox.ChildRun:
        if key not in self.cache:
            scratch = self.root / f"scratch-{key}"
            scratch.mkdir()
            cmd = _command(self.suite, scratch, self.submission(f"sub-{key}", code), *targets, **kw)
            self.cache[key] = sandbox.run_child(cmd, cwd=scratch, env=runner._env(scratch),
                                                budget=60, stall=TIMEOUT + 6)
        return self.cache[key]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return Runs(tmp_path_factory.mktemp("plugin"))


@pytest.fixture(scope="module")
def full(runs):
    run = runs.run("full", STUDENT, "tests")
    assert run.ended_by == "exit", run.output[-3000:]
    return run


def _results(run) -> dict[str, dict]:
    return {e["nodeid"].split("::", 1)[1]: e for e in run.events if e["event"] == "result"}


def _collected(run) -> dict[str, dict]:
    (event,) = [e for e in run.events if e["event"] == "collected"]
    return {t["nodeid"].split("::", 1)[1]: t for t in event["tests"]}


# --------------------------------------------------------------- collection

def test_collected_lists_the_graded_tests_with_points_and_visibility(full):
    tests = _collected(full)
    assert set(tests) == {
        "test_passes", "test_param[1]", "test_param[2]", "test_hidden_after_published",
        "test_hidden_plain", "test_fails_with_feedback", "test_plain_assert_fails",
        "test_student_raises", "test_hangs", "test_guard_deadline", "test_huge_error",
        "test_holds_the_gil", "test_after_the_others"}                  # not test_not_graded
    assert tests["test_passes"]["points"] == 2.0 and tests["test_passes"]["visibility"] == "visible"
    assert tests["test_passes"]["name"] == "the answer is 42"       # docstring's first line
    assert tests["test_passes"]["nodeid"] == "tests/test_quick.py::test_passes"
    assert tests["test_hidden_after_published"] == {
        "nodeid": "tests/test_quick.py::test_hidden_after_published",
        "name": "hidden after published", "points": 1.5, "visibility": "after_published",
        "doc": "", "timing": False}
    assert tests["test_hidden_plain"]["visibility"] == "hidden"
    assert tests["test_fails_with_feedback"]["visibility"] == "visible"   # the default
    assert tests["test_param[2]"]["points"] == 1.0
    assert tests["test_param[2]"]["name"].endswith(" (n=2)")


def test_a_parametrized_test_is_titled_once(full):
    assert _collected(full)["test_param[2]"]["name"] == "param (n=2)"


def test_events_come_in_protocol_order(full):
    kinds = [e["event"] for e in full.events]
    assert kinds[0] == "collected" and kinds[-1] == "done"
    assert kinds[1:3] == ["worker-queued", "worker-start"]    # the import, before any test
    body = kinds[3:-1]
    assert body == ["queued", "start", "result"] * (len(body) // 3)
    starts = [e["nodeid"] for e in full.events if e["event"] == "start"]
    results = [e["nodeid"] for e in full.events if e["event"] == "result"]
    assert len(starts) == len(results) == 14
    assert [n for n in starts if "huge" not in n] == [n for n in results if "huge" not in n]
    assert full.returncode == 1                                      # some tests failed


# ------------------------------------------------------------------ outcomes

def test_a_passing_test(full):
    r = _results(full)["test_passes"]
    assert r["outcome"] == "passed" and r["message"] == ""
    assert r["measurements"] == [{"label": "answer", "value": 42, "expected": "42"}]
    assert r["notes"] == ["a note for the student"]
    assert r["duration"] >= 0
    for name in ("test_param[1]", "test_hidden_after_published", "test_hidden_plain",
                 "test_not_graded", "test_after_the_others"):
        assert _results(full)[name]["outcome"] == "passed", name
    assert _results(full)["test_param[2]"]["outcome"] == "failed"


def test_feedback_fail_is_the_message(full):
    r = _results(full)["test_fails_with_feedback"]
    assert r["outcome"] == "failed"
    assert r["message"] == ("Only one worker ran at a time.\n"
                            "  measured: peak 1 call in flight\n"
                            "  expected: peak 3 calls in flight\n"
                            "  likely cause: a lock held around handle()")


def test_a_plain_assert_failure(full):
    r = _results(full)["test_plain_assert_fails"]
    assert r["outcome"] == "failed"
    assert r["message"].startswith("The test failed:") and "41" in r["message"]


def test_an_exception_in_student_code_names_the_student_line(full):
    r = _results(full)["test_student_raises"]
    assert r["outcome"] == "failed"
    assert "Your code raised KeyError: 'missing key'" in r["message"]
    assert f"studentmod.py:{BOOM_LINE} in boom()" in r["message"]


def test_a_hang_times_out_and_shows_where_the_student_waits(full):
    r = _results(full)["test_hangs"]
    assert r["outcome"] == "failed"
    msg = r["message"]
    assert msg.startswith(f"Timeout: the test did not finish within {TIMEOUT} s.\nIt hung.")
    # Where the student's code waits, in the test's process in the worker.
    assert "your function (the test's main thread):" in msg
    assert f"studentmod.py:{HANG_LINE} in hang()" in msg
    assert "threading.Event().wait()" in msg
    assert "waiting here" in msg
    assert TIMEOUT - 0.5 < r["duration"] < TIMEOUT + 2


def test_a_worker_that_cannot_answer_still_times_out_as_a_timeout(full):
    """The student's code holds the GIL (a regular expression backtracking): at the
    timeout the test's process cannot say where its threads are; the judge waits for that a
    moment only, and the test fails as a timeout (not abandoned by the watchdog), the next
    test unharmed in a process of its own."""
    r = _results(full)["test_holds_the_gil"]
    assert r["outcome"] == "failed", r
    assert r["message"].startswith(f"Timeout: the test did not finish within {TIMEOUT} s.")
    assert "did not say where its threads were" in r["message"]
    from autograder.plugin import HUNG_GRACE
    assert r["duration"] < TIMEOUT + HUNG_GRACE           # before the watchdog's limit
    assert _results(full)["test_after_the_others"]["outcome"] == "passed"


def test_guard_call_deadline(full):
    r = _results(full)["test_guard_deadline"]
    assert r["outcome"] == "failed"
    msg = r["message"]
    assert msg.startswith("hang() did not return within 0.5 s: it hangs.")
    assert "measured: still running after 0.5 s" in msg
    assert "likely cause:" in msg
    assert f"studentmod.py:{HANG_LINE} in hang()" in msg          # where the call is stuck
    assert r["duration"] < TIMEOUT


def test_output_of_a_test_is_captured(full):
    assert "printed by the test" in _results(full)["test_passes"]["output"]


def test_a_huge_error_message_still_reports_its_test(full):
    r = _results(full).get("test_huge_error")
    assert r is not None, "no result event for test_huge_error"
    assert r["outcome"] == "failed" and "Your code raised ValueError" in r["message"]


# -------------------------------------------------------------- visibility

def test_visible_only_run_deselects_hidden_tests(runs):
    run = runs.run("visible", STUDENT, "tests/test_quick.py", visibility="visible")
    assert run.ended_by == "exit" and run.returncode == 1        # test_param[2] fails
    assert set(_collected(run)) == {"test_passes", "test_param[1]", "test_param[2]"}
    assert set(_results(run)) == {"test_passes", "test_param[1]", "test_param[2]",
                                  "test_not_graded"}             # ungraded tests are kept


# ---------------------------------------------------------- broken submissions

def test_a_syntax_error_names_the_line(runs):
    run = runs.run("syntax", SYNTAX_ERROR, "tests/test_quick.py::test_passes",
                   "tests/test_quick.py::test_hidden_plain")
    results = _results(run)
    for r in results.values():
        assert r["outcome"] == "error"
        assert "studentmod.py has a syntax error at line 4" in r["message"]
        assert "def broken(:" in r["message"]
    assert len(results) == 2                         # the same message for every test


DIES = ("import threading\n\n\ndef answer():\n    t = threading.Thread(target=lambda: 1 / 0, "
        "name='worker-1')\n    t.start()\n    t.join()\n    return 41\n")


def test_a_thread_that_died_is_said_first_in_a_failing_tests_message(runs):
    """A thread of the student's died with an exception: the likeliest real cause comes
    before what the test measured (issue 17: a half-fixed consumer was told about get()
    timeouts it never used)."""
    run = runs.run("dies", DIES, "tests/test_quick.py::test_passes", "tests/test_quick.py::test_param")
    results = _results(run)
    failed = results["test_passes"]
    assert failed["outcome"] == "failed"
    assert failed["message"].startswith("First, the likely real cause: a thread of yours died")
    assert "thread 'worker-1' died with ZeroDivisionError: division by zero" in failed["message"]
    assert failed["message"].index("died with") < failed["message"].index("answer")
    assert results["test_param[1]"]["outcome"] == "passed"
    assert results["test_param[1]"]["message"] == ""


PROCESS_DIES = """
import multiprocessing as mp
import os
import signal


def _crash():
    os.kill(os.getpid(), signal.SIGSEGV)


def _square(x):
    return x * x


def answer():
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:          # its exit terminates the workers: SIGTERM, no death
        pool.map(_square, range(4))
    for target, args in ((_crash, ()), (os._exit, (3,))):
        p = ctx.Process(target=target, args=args)
        p.start()
        p.join()
    return 41
"""


def _connector() -> bool:
    from autograder.grading.exits import ExitWatch
    with ExitWatch(1) as watch:
        return watch.available


def test_a_worker_process_that_died_is_said_first_from_the_kernels_record(runs):
    """Processes of the student's that ended badly come first in a failing test's message,
    from the kernel (grading/exits.py), not from what the student's process says."""
    if not _connector():
        pytest.skip("the kernel's process events need root in the initial network namespace")
    run = runs.run("process-dies", PROCESS_DIES, "tests/test_quick.py::test_passes")
    message = _results(run)["test_passes"]["message"]
    assert message.startswith("First, the likely real cause: a process your code started "
                              "ended badly"), message
    assert "was killed by SIGSEGV (a crash in C code)" in message
    assert "exited with code 3" in message and "SIGTERM" not in message
    assert message.index("SIGSEGV") < message.index("answer")


def test_sys_exit_at_import_is_reported_not_fatal(runs):
    run = runs.run("exits", EXITS, "tests/test_quick.py::test_passes",
                   "tests/test_quick.py::test_hidden_plain")
    assert run.ended_by == "exit"
    results = _results(run)
    assert set(results) == {"test_passes", "test_hidden_plain"}
    for r in results.values():
        assert r["outcome"] == "error"
        assert "Importing studentmod.py raised SystemExit: 3" in r["message"]
        assert "studentmod.py:3" in r["message"]


def test_a_missing_module_says_what_the_submission_holds(runs):
    run = runs.run("missing", None, "tests/test_quick.py::test_passes")
    (r,) = _results(run).values()
    assert r["outcome"] == "error"
    assert "Your submission has no studentmod.py" in r["message"] and "found other.py" in r["message"]
