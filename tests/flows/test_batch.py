"""Batch grading of whole LMS downloads, for real: a Moodle download of 22 submissions of
assignment 2 (references in every wrapping: renamed, one folder down, a zip, a zip in a zip;
stubs; two broken variants (test_kit grades every one); and the junk a class hands in:
syntax and indentation errors, Latin-1, an empty folder, an empty file, sys.exit() at
import, a missing import, a notebook instead of the file, a corrupt zip, half a solution;
stray files) and a Canvas download; every row of every export checked; resume after a
rerun and after Ctrl-C; the make target."""
from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import psutil
import pytest

from autograder import KIT_ROOT, manifest
from autograder.instructor import batch
from flows.lms_download import CLASS_ASSIGNMENT, CLASS_SIZE
from flows.signals import default_sigint

A2 = manifest.get(CLASS_ASSIGNMENT)
N = CLASS_SIZE
# The first test of the group grades the shared batches (flows/conftest.py): 22
# submissions, some hanging to their budget, take minutes on a loaded 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("batch"), pytest.mark.timeout(2400)]


def _csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _test_function(nodeid: str) -> str:
    return nodeid.split("::")[-1]


def _by_participant(result):
    return {r.student.lms.get("participant"): r for r in result.rows}


def test_every_submission_gets_a_row_with_what_it_earned(moodle):
    result, expect, _ = moodle
    rows = _by_participant(result)
    assert len(result.rows) == N == len(expect) and set(rows) == set(expect)
    stub_scores = set()
    for pid, e in expect.items():
        row = rows[pid]
        failed = {_test_function(t["nodeid"]) for t in row.tests if t["status"] != "passed"}
        where = f"{e.kind} {row.student.id}: {row.score}/{row.max_score} {row.message}"
        assert row.max_score == A2.points, where
        assert len(row.tests) == len(expected_nodeids()), where
        assert row.status == e.status, where
        if e.full:
            assert row.score == A2.points, where
        if e.zero:
            assert row.score == 0, where
        if e.partial:
            assert 0 < row.score < A2.points, where
        if e.says:
            feedback = (result.out / row.student.id / "feedback.txt").read_text(encoding="utf-8")
            assert e.says.lower() in feedback.lower(), f"{where}\n{feedback}"
        if e.fails is not None:
            assert failed == e.fails, where
            lost = sum(t["max_score"] for t in row.tests if _test_function(t["nodeid"]) in e.fails)
            assert row.score == A2.points - lost, where
        if e.kind == "stub":
            stub_scores.add(row.score)
    assert len(stub_scores) == 1 and stub_scores.pop() <= 0.65 * A2.points  # same file, same score
    # Stray files are reported, not graded and not guessed.
    assert [u.path for u in result.unmatched] == ["index.html"]


def test_each_student_folder_holds_results_and_feedback(moodle):
    result, _, _ = moodle
    for row in result.rows:
        folder = result.out / row.student.id
        data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert data["score"] == row.score and data["max_score"] == row.max_score
        assert sum(t["score"] for t in data["tests"]) == row.score
        assert [t["name"] for t in data["tests"]] == [t["name"] for t in row.tests]
        text = (folder / "feedback.txt").read_text(encoding="utf-8")
        if row.status == "graded":
            assert f"Total: {row.score:g}/{row.max_score:g}" in text
        else:
            assert text.startswith("Could not grade this submission:") and row.message in text


def test_grades_csv_has_every_row(moodle):
    result, expect, _ = moodle
    rows = _by_participant(result)
    table = _csv(result.out / "grades.csv")
    assert len(table) == N
    assert [r["student"] for r in table] == sorted(r["student"] for r in table)
    for line in table:
        row = rows[line["moodle_participant"]]
        assert line["student"] == row.student.id and line["name"] == expect[line["moodle_participant"]].name
        assert float(line["score"]) == row.score and float(line["max_score"]) == A2.points
        assert line["status"] == expect[line["moodle_participant"]].status
        assert line["source"] == "moodle"
        per_test = [float(v) for k, v in line.items() if k not in batch_fields()]
        assert sum(per_test) == row.score and len(per_test) == len(row.tests)


def expected_nodeids():
    from autograder import runner
    return [t.nodeid for t in runner.expected_tests(A2)]


def batch_fields():
    from autograder.instructor.exports import GRADES_FIELDS
    return set(GRADES_FIELDS)


def test_moodle_worksheet_has_every_row(moodle):
    result, expect, _ = moodle
    rows = _by_participant(result)
    sheet = _csv(result.out / "moodle.csv")
    assert {"Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)",
            "Feedback comments"} <= set(sheet[0])
    # Who the grader could not grade keeps their Moodle grade (grade by hand): no row.
    graded = {pid for pid, e in expect.items() if e.status == "graded"}
    assert len(sheet) == len(graded) == N - 1
    for line in sheet:
        pid = line["Identifier"].removeprefix("Participant ")
        assert line["Identifier"] == f"Participant {pid}" and pid in graded
        assert line["Full name"] == expect[pid].name
        assert float(line["Grade"]) == rows[pid].score
        assert float(line["Maximum Grade"]) == A2.points
    assert not (result.out / "canvas.csv").exists()   # nobody came from Canvas


def test_junit_has_a_suite_per_student_and_a_case_per_test(moodle):
    result, _, _ = moodle
    root = ET.parse(result.out / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {r.student.id for r in result.rows}
    for row in result.rows:
        suite = suites[row.student.id]
        cases = [c for c in suite.findall("testcase") if c.get("name") != "grading"]
        assert [c.get("name") for c in cases] == [t["name"] for t in row.tests]
        bad = [c.get("name") for c in cases
               if any(c.find(k) is not None for k in ("failure", "error", "skipped"))]
        assert bad == [t["name"] for t in row.tests if t["status"] != "passed"]
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert float(props["score"]) == row.score


def test_summary_counts_and_distribution(moodle):
    result, _, _ = moodle
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    assert f"{N} submission(s)" in text and f"graded {N - 1}, could not grade 1" in text
    assert "not attributed to a student 1" in text and "index.html" in text
    full = sum(r.score == r.max_score for r in result.rows)
    assert f"full marks {full}" in text
    assert text.count("%") >= 10                       # the ten bins of the distribution


# ------------------------------------------------------------------- Canvas

def test_canvas_download_rows_and_gradebook_csv(canvas):
    result, expect, _ = canvas
    rows = {r.student.lms.get("user_id"): r for r in result.rows}
    assert set(rows) == set(expect)
    for uid, e in expect.items():
        assert (rows[uid].score == A2.points) == e.full, rows[uid].message
    assert rows["1002"].student.lms.get("late") == "1"
    book = _csv(result.out / "canvas.csv")
    column = f"{A2.title} (4242)"
    assert list(book[0])[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert list(book[0])[5] == column
    graded = {line["ID"]: float(line[column]) for line in book if line["ID"]}
    assert graded == {uid: r.score for uid, r in rows.items()}


def test_a_late_policy_penalises_canvas_late_marks_and_keeps_the_raw_score(canvas, tmp_path):
    """--late on a rerun: nothing is graded again (the saved rows stay raw), the exports
    penalise the student Canvas marked late and say why, and batch.json names the policy
    for `push`."""
    result, expect, archive = canvas
    out = tmp_path / "out"
    shutil.copytree(result.out, out)
    again = batch.run(A2, archive, out, jobs=2, progress=False, late="10%/day, cap 50%",
                      export_options={"canvas_assignment_id": "4242"})
    assert again.reused == len(expect)
    sheet = {line["canvas_user_id"]: line for line in _csv(out / "grades.csv")}
    late = sheet["1002"]
    assert (late["score"], late["raw_score"]) == ("27", "30")
    assert late["late_penalty"].startswith("marked late, by an unknown time: counted as one period")
    assert sheet["1001"]["late_penalty"] == "" and sheet["1001"]["score"] == sheet["1001"]["raw_score"]
    column = f"{A2.title} (4242)"
    assert {line["ID"]: line[column] for line in _csv(out / "canvas.csv") if line["ID"]}["1002"] == "27"
    assert "LATE turingalan_1002: marked late" in (out / "summary.txt").read_text()
    assert json.loads((out / "batch.json").read_text())["late"] == "10%/day, cap 50%"
    saved = json.loads(next(out.glob("turingalan*/row.json")).read_text())
    assert saved["score"] == 30.0                     # what was graded, whatever the policy


def test_a_rerun_reuses_what_is_done_and_regrades_what_changed(canvas, tmp_path):
    result, expect, archive = canvas
    out = result.out
    before = {r.student.id: r.score for r in result.rows}
    changed = next(r for r in result.rows if r.student.lms.get("user_id") == "1001")
    (out / changed.student.id / "row.json").unlink()      # as if interrupted mid-way
    again = batch.run(A2, archive, out, jobs=2, progress=False,
                      export_options={"canvas_assignment_id": "4242"})
    assert again.reused == len(expect) - 1
    assert {r.student.id: r.score for r in again.rows} == before


def test_an_interrupted_batch_resumes_without_regrading(tmp_path):
    """Ctrl-C in the middle: what was done is kept, the rerun grades only the rest."""
    down = tmp_path / "class"
    ref = (A2.reference_dir / "downloader.py").read_bytes()
    for who in ("ann", "bob", "cy"):
        (down / who).mkdir(parents=True)
        (down / who / "downloader.py").write_bytes(ref)
    archive, expect = down, {"ann", "bob", "cy"}
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder", "batch", "2", str(archive), "--out", str(out),
           "--jobs", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=KIT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=default_sigint)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("*/row.json")):
        time.sleep(0.2)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    time.sleep(0.5)
    survivors = [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not survivors, "an interrupted batch left grading processes running"
    assert proc.returncode == 130, err
    assert "Run the same command again" in err
    done = {p.parent.name for p in out.glob("*/row.json")}
    assert 1 <= len(done) < len(expect)
    rerun = subprocess.run(cmd, cwd=KIT_ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"({len(done)} reused from an earlier run)" in rerun.stdout
    assert len(_csv(out / "grades.csv")) == len(expect)


def test_make_grade_with_submissions_runs_the_batch(tmp_path):
    """The instructor's command, through make, on a plain folder download."""
    down = tmp_path / "class"
    (down / "ann").mkdir(parents=True)
    (down / "ann" / "downloader.py").write_bytes((A2.reference_dir / "downloader.py").read_bytes())
    (down / "notes.txt").write_text("not a submission")
    out = tmp_path / "grades"
    proc = subprocess.run(["make", "-s", "grade", "ASSIGNMENT=2", f"SUBMISSIONS={down}",
                           f"OUT={out}"], cwd=KIT_ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 submission(s)" in proc.stdout and "NOT GRADED notes.txt" in proc.stdout
    (line,) = _csv(out / "grades.csv")
    assert (line["student"], float(line["score"])) == ("ann", A2.points)
    assert (out / "ann" / "feedback.txt").exists() and (out / "junit.xml").exists()
