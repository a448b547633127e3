"""Whole gradings through runner.grade() and the CLI: crash attribution and rerun, the
report of a hanging test, the budget cut, exit codes and the results file."""
from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

from autograder import cli, manifest, runner

A1 = manifest.get(1)


# ------------------------------------------------------- whole-run behaviour

def _write(tmp_path, code) -> Path:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "consumer.py").write_text(textwrap.dedent(code))
    return folder


def test_a_crash_is_charged_to_its_test_and_the_rest_still_run(tmp_path):
    sub = _write(tmp_path, '''
        import os
        def process_all(items, handle, num_workers=3, queue_size=5):
            items = list(items)
            if len(items) == 20:
                os._exit(3)
            return {i: handle(x) for i, x in enumerate(items)}
    ''')
    grade = runner.grade(A1, sub, visibility="visible")
    by_name = {r.info.nodeid.split("::")[-1]: r for r in grade.tests}
    crashed = by_name["test_every_item_handled_once"]
    assert crashed.status == "crashed" and "exit code 3" in crashed.message
    assert by_name["test_empty_input"].passed          # ran in a fresh process afterwards
    assert grade.complete


def test_a_hang_reports_every_thread_trimmed_to_the_student_file(tmp_path):
    sub = _write(tmp_path, '''
        import threading
        def process_all(items, handle, num_workers=3, queue_size=5):
            stuck = threading.Event()
            worker = threading.Thread(target=stuck.wait, name="my-worker", daemon=True)
            worker.start()
            stuck.wait()
    ''')
    grade = runner.grade(A1, sub, visibility="visible", budget=8)
    first = grade.tests[0]
    assert first.status == "failed"
    assert "did not return within" in first.message
    assert "consumer.py:7 in process_all()" in first.message
    assert "stuck.wait()" in first.message and "waiting here" in first.message


def _own_time(grade_it):
    """(seconds a grading took less its waits for the machine lock, the grade)"""
    started = time.monotonic()
    grade = grade_it()
    return time.monotonic() - started - grade.waited, grade


def test_the_budget_cuts_a_hanging_submission_and_still_reports(tmp_path):
    sub = _write(tmp_path, '''
        def process_all(items, handle, num_workers=3, queue_size=5):
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
    ''')
    (tmp_path / "quick").mkdir()
    quick = _write(tmp_path / "quick", '''
        def process_all(items, handle, num_workers=3, queue_size=5):
            return {}
    ''')
    # The budget is the submission's own time: waiting for another grading's timed test
    # (the machine lock) does not count. What comes after the cut (stopping the child,
    # reporting) costs about what a whole grading that ends at once costs on this machine
    # now: that grading, measured here, is the yardstick (a busy machine slows both).
    own = _own_time(lambda: runner.grade(A1, quick, visibility="visible", budget=8))[0]
    spent, grade = _own_time(lambda: runner.grade(A1, sub, visibility="visible", budget=8))
    assert spent < 8 + max(8, 2 * own), f"{spent:.1f} s for a budget of 8 s (quick: {own:.1f} s)"
    assert grade.score == 0 and grade.complete is False
    assert any("budget of 8 s ran out" in n for n in grade.notes)
    assert {r.status for r in grade.tests} <= {"failed", "not-run", "hung"}
    assert all(r.message for r in grade.tests)


def test_cli_exit_codes_and_results_file(tmp_path, capsys):
    assert cli.main(["grade", "99"]) == cli.EXIT_CANNOT_GRADE
    assert cli.main(["grade", "1", str(tmp_path / "nope")]) == cli.EXIT_CANNOT_GRADE
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "r" / "results.json"
    assert cli.main(["check", "1", str(empty), "--results", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["score"] == 0 and data["tests"]
    assert "no consumer.py" in data["tests"][0]["output"]


def test_a_missing_function_fails_its_tests_quoting_the_stub_signature(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "consumer.py").write_text("def process_everything(items, handle):\n    return {}\n")
    grade = runner.grade(A1, folder, visibility="visible")
    assert grade.score == 0 and grade.complete
    # Said once (precheck: no test can run), with the stub's signature; each test points there.
    assert grade.cannot_run.startswith("consumer.py has no function process_all()")
    assert "def process_all(items, handle, num_workers=3, queue_size=5) -> dict" in grade.cannot_run
    for r in grade.tests:
        assert "consumer.py has no function process_all()" in r.message


def test_gigabytes_printed_end_that_test_not_the_disk(tmp_path):
    """A test whose code prints without end is stopped at the file-size limit (pytest
    captures output in a temporary file): that test fails with the reason, the disk holds at
    most the limit, and the other tests pass."""
    folder = tmp_path / "sub"
    folder.mkdir()
    reference = (A1.reference_dir / "consumer.py").read_text()
    (folder / "consumer.py").write_text(reference + textwrap.dedent('''
        _real = process_all

        def process_all(items, handle, num_workers=3, queue_size=5):
            if isinstance(items, list) and not items:      # the empty-input test only
                while True:
                    print("x" * 1_000_000)
            return _real(items, handle, num_workers, queue_size)
    '''))
    grade = runner.grade(A1, folder, visibility="visible")
    by_name = {r.info.nodeid.split("::")[-1]: r for r in grade.tests}
    flood = by_name["test_empty_input"]
    assert flood.status == "failed", flood.message
    assert "File too large" in flood.message and "wrote more than 64 MB" in flood.message
    assert "consumer.py" in flood.message                 # where in their code
    assert all(r.passed for name, r in by_name.items() if name != "test_empty_input"), \
        [(n, r.status, r.message[:200]) for n, r in by_name.items() if not r.passed]
