"""autograder.instructor.batch without real gradings (runner.grade replaced by a scripted one):
every submission gets a row whatever happens, rows are saved as they finish and reused
on a rerun, the progress line, the summary and the command line's refusals."""
from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest

from autograder.instructor import batch, summary
from autograder import manifest, runner
from autograder.scoring import Grade, TestInfo, TestResult
from autograder.submission import SubmissionError

A1 = manifest.get(1)
TESTS = [TestInfo("tests/test_visible.py::test_a", "a", 2.0, "visible"),
         TestInfo("tests/test_hidden.py::test_b", "b", 3.0, "hidden")]


def _grade(passed: set[str]) -> Grade:
    results = [TestResult(t, "passed" if t.name in passed else "failed",
                          "" if t.name in passed else f"{t.name} went wrong", duration=0.1)
               for t in TESTS]
    return Grade(assignment=1, title=A1.title, tests=results, notes=[], duration=0.5)


@pytest.fixture
def scripted(monkeypatch):
    """runner.grade answers from the submission's file content: 'full', 'half',
    'unreadable' (SubmissionError) or 'boom' (the grader itself fails)."""
    calls = []

    def fake_grade(assignment, path, **kw):
        calls.append(Path(path).name)
        text = "".join(p.read_text() for p in sorted(Path(path).rglob("*.py"))) \
            if Path(path).is_dir() else Path(path).read_text()
        if "unreadable" in text:
            raise SubmissionError("not a zip")
        if "boom" in text:
            raise RuntimeError("the grader tripped")
        return _grade({"a", "b"} if "full" in text else {"a"})

    monkeypatch.setattr(runner, "grade", fake_grade)
    monkeypatch.setattr(runner, "expected_tests", lambda a, v="all": TESTS)
    monkeypatch.setattr(runner, "_tests_fingerprint", lambda a: ("fixed",))
    return calls


def _download(root: Path, students: dict[str, str]) -> Path:
    for name, content in students.items():
        (root / name).mkdir(parents=True)
        (root / name / "consumer.py").write_text(content)
    return root


def test_every_submission_gets_a_row_and_the_batch_goes_on(tmp_path, scripted):
    down = _download(tmp_path / "down", {"ann": "full", "bob": "half", "cy": "boom",
                                         "dee": "unreadable"})
    result = batch.run(A1, down, tmp_path / "out", jobs=2, progress=False)
    rows = {r.student.id: r for r in result.rows}
    assert [r.student.id for r in result.rows] == ["ann", "bob", "cy", "dee"]
    assert (rows["ann"].score, rows["bob"].score) == (5.0, 2.0)
    assert rows["ann"].status == rows["bob"].status == "graded"
    assert rows["bob"].message == "1 of 2 tests passed; lost: b (failed, -3)"
    for who, words in (("cy", "the grader failed"), ("dee", "could not read the submission")):
        assert rows[who].status == "error" and rows[who].score == 0 and words in rows[who].message
        assert [t["status"] for t in rows[who].tests] == ["not-run", "not-run"]
        assert "Could not grade" in (tmp_path / "out" / who / "feedback.txt").read_text()
    saved = json.loads((tmp_path / "out" / "bob" / "results.json").read_text())
    assert saved["score"] == 2.0 and [t["score"] for t in saved["tests"]] == [2.0, 0.0]
    assert (tmp_path / "out" / "grades.csv").exists() and (tmp_path / "out" / "junit.xml").exists()


def test_a_rerun_grades_only_what_is_new_or_changed(tmp_path, scripted):
    down = _download(tmp_path / "down", {"ann": "full", "bob": "half"})
    batch.run(A1, down, tmp_path / "out", progress=False)
    assert sorted(scripted) == ["ann", "bob"]
    (down / "bob" / "consumer.py").write_text("full now")          # resubmitted
    _download(down, {"cy": "half"})                                  # a late one
    scripted.clear()
    again = batch.run(A1, down, tmp_path / "out", progress=False)
    assert sorted(scripted) == ["bob", "cy"] and again.reused == 1
    assert {r.student.id: r.score for r in again.rows} == {"ann": 5.0, "bob": 5.0, "cy": 2.0}
    scripted.clear()
    batch.run(A1, down, tmp_path / "out", progress=False, fresh=True)
    assert sorted(scripted) == ["ann", "bob", "cy"]


def test_an_unreadable_saved_row_is_graded_again(tmp_path, scripted):
    down = _download(tmp_path / "down", {"ann": "full"})
    batch.run(A1, down, tmp_path / "out", progress=False)
    (tmp_path / "out" / "ann" / "row.json").write_text("{ half written")
    scripted.clear()
    assert batch.run(A1, down, tmp_path / "out", progress=False).rows[0].score == 5.0
    assert scripted == ["ann"]


def test_an_interrupted_grading_is_not_recorded(tmp_path, monkeypatch):
    """Ctrl-C: the gradings under way are cancelled and leave no row to be reused."""
    down = _download(tmp_path / "down", {"ann": "x", "bob": "x"})
    monkeypatch.setattr(runner, "expected_tests", lambda a, v="all": TESTS)
    started = threading.Barrier(2)

    def fake_grade(assignment, path, cancel=None, **kw):
        if Path(path).name == "ann":
            return _grade({"a", "b"})
        started.wait(5)
        cancel.wait(5)                       # a grading cut short by the interrupt
        return _grade(set())

    monkeypatch.setattr(runner, "grade", fake_grade)
    real = batch.concurrent.futures.as_completed

    def interrupt_after_first(fs):
        for f in real(fs):
            yield f
            started.wait(5)
            raise KeyboardInterrupt

    monkeypatch.setattr(batch.concurrent.futures, "as_completed", interrupt_after_first)
    result = batch.run(A1, down, tmp_path / "out", jobs=2, progress=False)
    assert result.interrupted and [r.student.id for r in result.rows] == ["ann"]
    assert (tmp_path / "out" / "ann" / "row.json").exists()
    assert not (tmp_path / "out" / "bob" / "row.json").exists()
    assert not (tmp_path / "out" / "grades.csv").exists()   # no exports of half a batch


def test_progress_line_counts_and_estimates():
    stream = io.StringIO()
    now = [90.0]
    bar = batch.Progress(4, stream=stream, clock=lambda: now[0])
    row = batch.GradeRow(student=batch.Student("ann", "Ann", Path("."), "folder"), status="graded",
                    score=3, max_score=5)
    bar.step(row, reused=True)                      # reused rows do not count for the rate
    now[0] = 100.0
    bar.step(row)                                   # 1 graded in 10 s, 2 left -> ~20 s
    last = stream.getvalue().splitlines()[-1]
    assert last == "[############............] 2/4  elapsed 0:10  left ~0:20  ann: 3/5"
    assert stream.getvalue().splitlines()[0].endswith("ann: reused")


def test_progress_redraws_one_line_on_a_terminal_and_keeps_the_last(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("COLUMNS", "50")
    stream = Terminal()
    bar = batch.Progress(2, stream=stream, clock=lambda: 0.0)
    row = batch.GradeRow(student=batch.Student("ann", "Ann", Path("."), "folder"), status="graded",
                         score=3, max_score=5)
    bar.step(row)
    shown = stream.getvalue()
    assert shown.startswith("\r\033[K[############............] 1/2") and "\n" not in shown
    assert len(shown) == len("\r\033[K") + 49 and shown.endswith("\u2026")   # cut to the width
    bar.step(row)
    last = stream.getvalue()[len(shown):]
    assert last == "\r\033[K[########################] 2/2  elapsed 0:00  left ~--:--  ann: 3/5\n"
    quiet = io.StringIO()
    off = batch.Progress(1, stream=quiet, enabled=False)
    off.step(row)
    assert quiet.getvalue() == "" and off.done == 1


def test_summary_has_counts_statistics_and_distribution():
    def row(sid, score, status="graded"):
        return batch.GradeRow(student=batch.Student(sid, sid, Path("."), "folder"), status=status,
                         score=score, max_score=10, message="nope" if status == "error" else "")
    rows = [row("a", 10), row("b", 10), row("c", 5), row("d", 0, "error")]
    rows[1].tests = [{"name": "test_speedup", "status": "passed",
                      "flags": ["borderline: measured 1.46x, needed 1.50x"]}]
    text = summary.summary(rows, [batch.Unmatched("x.txt", "not a .py")], A1, 75.0)
    assert "4 submission(s) in 1:15" in text
    assert "graded 3, could not grade 1, not attributed to a student 1" in text
    assert "mean 6.2, median 7.5, min 0, max 10" in text and "full marks 2" in text
    assert "BORDERLINE b: test_speedup: borderline: measured 1.46x, needed 1.50x" in text
    bins = dict(summary.distribution(rows))
    assert bins["  0- 10%"] == 1 and bins[" 50- 60%"] == 1 and bins[" 90-100%"] == 2
    assert "ERROR d: nope" in text and "NOT GRADED x.txt: not a .py" in text


def test_summary_gives_each_tests_pass_rate_hardest_first_notes_and_sandbox():
    def row(sid, passed, status="graded", notes=()):
        tests = [{"name": n, "nodeid": f"t.py::{n}", "max_score": 2,
                  "status": "passed" if n in passed else "failed"}
                 for n in ("test_order", "test_speedup", "test_clean")]
        return batch.GradeRow(student=batch.Student(sid, sid, Path("."), "folder",
                                                    notes=list(notes)),
                              status=status, score=2 * len(passed), max_score=6, tests=tests)
    rows = [row("a", {"test_order", "test_clean"}), row("b", {"test_order"}),
            row("c", {"test_order", "test_speedup", "test_clean"},
                notes=["re-uploaded: graded the newest, downloader-1.py"]),
            row("d", set(), status="error")]                # not graded: not counted
    lines = summary.summary(rows, [], A1, 10.0, sandbox=["user        on   uid 61000"]).splitlines()
    start = lines.index("  tests by how many passed (of 3 graded):")
    assert lines[start + 1:start + 4] == ["     33%  1/3  2 pts  test_speedup",
                                          "     67%  2/3  2 pts  test_clean",
                                          "    100%  3/3  2 pts  test_order"]
    assert "  NOTE c: re-uploaded: graded the newest, downloader-1.py" in lines
    assert summary.pass_rates([]) == []
    assert lines[-2:] == ['  sandbox the tests ran in (README, "Untrusted submissions"):',
                          "    user        on   uid 61000"]


def test_the_command_line_refuses_what_it_cannot_do(tmp_path, capsys):
    down = tmp_path / "down"
    down.mkdir()
    assert batch.main(["99", str(down), "--out", str(tmp_path / "o")]) == 2
    assert batch.main(["1", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert batch.main(["1", str(down), "--out", str(down / "grades")]) == 2
    err = capsys.readouterr().err
    assert "no such file or folder" in err and "inside the download" in err


def test_progress_shows_what_is_in_flight_and_its_estimate_does_not_jump(monkeypatch):
    """From issue 17: the line showed nothing of the gradings under way, stood still for
    36 s and its estimate jumped from 1:51 to 2:57 left. It names what is in flight, and
    one slow submission moves the estimate half-way, not all the way."""
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("COLUMNS", "200")
    now = [0.0]
    stream = Terminal()
    bar = batch.Progress(6, stream=stream, clock=lambda: now[0], jobs=2)

    def row(sid):
        return batch.GradeRow(student=batch.Student(sid, sid, Path("."), "folder"),
                              status="graded", score=1, max_score=2)
    bar.begin("ann")
    bar.begin("bob")
    now[0] = 10.0
    bar.step(row("ann"))                  # 10 s each, 4 waiting, 2 jobs: 20 s
    assert stream.getvalue().endswith("left ~0:20  grading bob  (last: ann: 1/2)")
    bar.begin("cy")
    now[0] = 40.0
    bar.step(row("bob"))                  # a slow one (40 s): mean 25 s, 3 waiting: 37.5 s
    shown = stream.getvalue().split("\r\033[K")[-1]
    assert "left ~0:19" in shown and "grading cy" in shown      # half-way from 0 s left
    now[0] = 41.0
    bar.refresh()                         # the clock moves while nothing finishes
    assert "elapsed 0:41" in stream.getvalue().split("\r\033[K")[-1]


def test_progress_ticks_while_a_grading_runs(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    monkeypatch.setattr(batch.Progress, "TICK", 0.01)
    stream = Terminal()
    bar = batch.Progress(2, stream=stream)
    bar.begin("ann")
    with bar.ticking():
        deadline = time.monotonic() + 2
        while "grading ann" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert "grading ann" in stream.getvalue()
