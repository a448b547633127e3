"""A hidden test's content never reaches the student (issue 6's leak, issue 7).

A failing hidden test that uses a plain `assert` (not the feedback helpers) used to show
pytest's text of it, which quotes the test's own expression; a test that raised or hung
in its own code could show its lines in a stack. Here a tiny suite with hidden and
visible tests whose source holds a marker word is run in a child the way the grader runs
an assignment's tests: no message of a hidden test may contain the marker; a visible
test may (students have that file).
"""
from __future__ import annotations

import sys
import textwrap

import pytest

from autograder import KIT_ROOT, runner, sandbox

TIMEOUT = 2
MARKER = "SECRETWORD"

HIDDEN = f'''
    import pytest

    pytestmark = pytest.mark.visibility("after_published")


    @pytest.mark.points(1)
    def test_plain_assert(student):
        {MARKER.lower()} = student.items()
        assert len({MARKER.lower()}) == 3  # {MARKER}


    @pytest.mark.points(1)
    def test_plain_assert_with_text(student):
        {MARKER.lower()} = student.items()
        assert len({MARKER.lower()}) == 3, "the list should hold 3 items"  # {MARKER}


    @pytest.mark.points(1)
    def test_raises_in_test_code(student):
        table = {{"{MARKER}": 1}}
        return table[str(student.items())]  # {MARKER}


    @pytest.mark.points(1)
    def test_hangs_in_test_code(student):
        student.items()
        while True:  # {MARKER}
            pass  # {MARKER}


    @pytest.mark.points(1)
    def test_student_raises(student):
        student.boom()  # {MARKER}
'''

VISIBLE = f'''
    import pytest


    @pytest.mark.points(1)
    @pytest.mark.visibility("visible")
    def test_visible_plain_assert(student):
        {MARKER.lower()} = student.items()
        assert len({MARKER.lower()}) == 3  # {MARKER}
'''

STUDENT = '''\
def items():
    return [1, 2]


def boom():
    raise ValueError("boom from the student")
'''


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("hidden")
    suite = root / "suite"
    (suite / "tests").mkdir(parents=True)
    (suite / "tests" / "test_hidden.py").write_text(textwrap.dedent(HIDDEN))
    (suite / "tests" / "test_visible.py").write_text(textwrap.dedent(VISIBLE))
    sub = root / "sub"
    sub.mkdir()
    (sub / "studentmod.py").write_text(STUDENT)
    scratch = root / "scratch"
    scratch.mkdir()
    (scratch / "pytest.ini").write_text("[pytest]\n")
    # As runner.pytest_command, without --ck-scrub: the hidden file stays readable on disk,
    # the worst case for a leak.
    cmd = [sys.executable, "-I", "-c", runner._BOOT, str(KIT_ROOT),
           "-p", "autograder.plugin", "-p", "pytest_timeout", "-p", "no:cacheprovider",
           "-c", str(scratch / "pytest.ini"), "--rootdir", str(suite),
           "-q", "--no-header", "-p", "no:randomly", f"--timeout={TIMEOUT}",
           "--ck-module=studentmod", "--ck-visibility=all", f"--ck-submission={sub}",
           str(suite / "tests")]
    run = sandbox.run_child(cmd, cwd=scratch, env=runner._env(scratch), budget=60,
                            stall=TIMEOUT + 6)
    assert run.ended_by == "exit", run.output[-3000:]
    return {e["nodeid"].split("::", 1)[1]: e for e in run.events if e["event"] == "result"}


HIDDEN_TESTS = ["test_plain_assert", "test_plain_assert_with_text", "test_raises_in_test_code",
                "test_hangs_in_test_code", "test_student_raises"]


@pytest.mark.parametrize("name", HIDDEN_TESTS)
def test_no_line_of_a_hidden_test_reaches_the_student(results, name):
    r = results[name]
    assert r["outcome"] == "failed"
    assert MARKER not in r["message"] and MARKER.lower() not in r["message"], r["message"]
    assert "assert len(" not in r["message"], r["message"]


def test_a_hidden_plain_assert_says_it_failed_and_what_it_said(results):
    msg = results["test_plain_assert"]["message"]
    assert msg.startswith("A hidden test failed: AssertionError"), msg
    msg = results["test_plain_assert_with_text"]["message"]
    assert msg == "A hidden test failed: AssertionError: the list should hold 3 items", msg


def test_a_hidden_test_raising_in_its_own_code_shows_type_and_message(results):
    msg = results["test_raises_in_test_code"]["message"]
    assert msg == "A hidden test failed: KeyError: '[1, 2]'", msg


def test_a_hang_in_hidden_test_code_shows_no_line_of_it(results):
    msg = results["test_hangs_in_test_code"]["message"]
    assert msg.startswith(f"Timeout: the test did not finish within {TIMEOUT} s."), msg
    assert "(a hidden test: its code is not shown)" in msg, msg
    assert "while True" not in msg


def test_the_students_own_frames_are_still_shown(results):
    msg = results["test_student_raises"]["message"]
    assert "Your code raised ValueError: boom from the student" in msg
    assert "studentmod.py:6 in boom()" in msg and 'raise ValueError("boom' in msg


def test_a_visible_test_may_show_its_own_assert(results):
    msg = results["test_visible_plain_assert"]["message"]
    assert msg.startswith("The test failed:") and "assert 2 == 3" in msg, msg
