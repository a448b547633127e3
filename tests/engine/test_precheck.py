"""precheck.py: a file that cannot run is one message, with the line and a caret, found
before any test runs (and without running any of the student's code)."""
from __future__ import annotations

import sys
import time

import pytest

from autograder import manifest, precheck, reports, runner, shards
from autograder.instructor import rows
from autograder.instructor.records import Student
from autograder.interpreters import Interpreter

A2 = manifest.get(2)
REFERENCE = (A2.reference_dir / "downloader.py").read_text()


def _why(tmp_path, source: str | bytes, python=None):
    (tmp_path / "downloader.py").write_bytes(source if isinstance(source, bytes) else source.encode())
    return precheck.cannot_run(A2, tmp_path, python)


def test_a_syntax_error_is_the_line_and_a_caret_under_it(tmp_path):
    why = _why(tmp_path, REFERENCE.replace("def fetch_url_info", "def def fetch_url_info", 1))
    first, line, caret = why.splitlines()
    lineno = REFERENCE.splitlines().index(next(x for x in REFERENCE.splitlines()
                                               if x.startswith("def fetch_url_info"))) + 1
    assert first.startswith(f"downloader.py has a syntax error at line {lineno}: invalid syntax")
    assert line == f"    {lineno} | def def fetch_url_info(url, timeout=5.0) -> dict:"
    assert caret.index("^") == line.index("def fetch") and caret.strip() == "^^^"


@pytest.mark.parametrize("source, says", [
    ("", "downloader.py is empty"),
    ("\n  \n\t\n", "downloader.py is empty"),
    ("def fetch_url_info(url):\nreturn 1\n", "has an indentation error at line 2"),
    (b'x = "caf\xe9"\n', "The file is not UTF-8"),
    ("def something_else():\n    return 42\n",
     "has no function fetch_url_info() and no function download_all()"),
    ('"""My downloader."""\nimport time\nLIMIT = 5\n\n\ndef other():\n    pass\n',
     "has no function fetch_url_info()"),
])
def test_each_kind_of_file_that_cannot_run_says_what_it_is(tmp_path, source, says):
    assert says in _why(tmp_path, source)


@pytest.mark.parametrize("source", [
    REFERENCE,
    "def download_all(urls, max_workers=5):\n    return []\n",            # half: still runs
    "import sys\nsys.exit(0)\n" + REFERENCE,                             # the sandbox's to say
    "import numpyy\n" + REFERENCE,
    "globals()['fetch_url_info'] = print\n",                              # names one of them
    "import sys\nsys.exit(0)\n",                       # runs at import: the sandbox reports it
    "hog = []\nwhile True:\n    hog.append(bytearray(10**9))\n",
])
def test_a_file_that_might_run_is_left_to_the_tests(tmp_path, source):
    assert _why(tmp_path, source) is None


def test_the_functions_come_from_the_graders_tests_not_the_students_copy():
    assert precheck.called_functions(A2) == ["fetch_url_info", "download_all"]
    assert precheck.called_functions(manifest.get(1)) == ["process_all"]


def test_another_interpreter_compiles_in_its_own_process(tmp_path):
    """Not the kit's own Python: compiled by that one (what it accepts is what counts)."""
    wrapper = tmp_path / "py"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    other = Interpreter(path=str(wrapper), version=sys.version_info[:3])
    assert not other.own
    folder = tmp_path / "sub"
    folder.mkdir()
    assert "syntax error at line 1" in _why(folder, "def f(:\n", other)
    assert _why(folder, REFERENCE, other) is None


def test_grading_it_takes_a_moment_and_says_it_once(tmp_path):
    sub = tmp_path / "downloader.py"
    sub.write_text("def fetch_url_info(url:\n    pass\n")
    started = time.monotonic()
    grade = runner.grade(A2, sub)
    assert time.monotonic() - started < 5          # no test ran: no sandbox, no judge child
    assert grade.score == 0 and grade.complete and len(grade.tests) == len(
        runner.expected_tests(A2))
    assert grade.cannot_run.startswith("downloader.py has a syntax error at line 1")
    assert all(r.message.startswith("Not run: downloader.py has a syntax error at line 1, so no "
                                    "test could run") for r in grade.tests)
    text = reports.text(grade)
    assert text.count("syntax error at line 1") == 1 and "    1 | def fetch_url_info(url:" in text
    assert reports.gradescope(grade)["output"].startswith("downloader.py has a syntax error")
    row = rows.from_grade(Student("ann", "Ann", sub, "file"), grade)
    assert row.message.startswith("downloader.py has a syntax error at line 1")
    assert shards.merge([grade, grade], runner.expected_tests(A2)).cannot_run == grade.cannot_run


def test_one_failure_shared_by_every_test_is_shown_once(tmp_path):
    """An import that fails (only running shows it): every test has the same message, so
    the report says it once at the top."""
    from autograder.scoring import Grade, TestInfo, TestResult
    info = [TestInfo(f"t.py::test_{i}", f"test {i}", 1, "visible") for i in range(3)]
    same = Grade(2, "t", [TestResult(i, "error", "Importing downloader.py raised ImportError")
                          for i in info], [])
    text = reports.text(same)
    assert text.count("raised ImportError") == 1 and "for the same reason" in text
    mixed = Grade(2, "t", same.tests[:2] + [TestResult(info[2], "failed", "other")], [])
    assert reports.shared_failure(mixed) is None
    assert reports.text(mixed).count("raised ImportError") == 2
