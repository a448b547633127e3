"""autograder.instructor.compare: the TA's side-by-side report, built from Grade objects made here.

No grading: runner.grade is replaced by a fake wherever main() runs.
"""
from __future__ import annotations

import html
import os
import re
import stat
import threading
import time
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.instructor import compare
from autograder import manifest, runner
from autograder.scoring import Grade, TestInfo, TestResult
from autograder.submission import SubmissionError

ANSI = re.compile(r"\x1b\[[0-9;]*m")
HOSTILE = '</script><script>alert(1)</script><img src=x onerror="alert(2)">'
A2 = manifest.get(2)


def _info(fn: str, name: str, points: float, visibility: str = "visible") -> TestInfo:
    return TestInfo(f"tests/test_visible.py::{fn}", name, points, visibility)


def _grades(reference_loses: bool = False) -> tuple[Grade, Grade]:
    peak = _info("test_peak", "five requests in flight at once", 2)
    order = _info("test_order", "results in input order", 2)
    fast = _info("test_speedup", "faster than the sequential loop", 3)
    slow = _info("test_slow_url", "a slow URL does not block the others", 2, "after_published")
    timeout = _info("test_timeout", "timeout= is honoured", 1)
    student = Grade(2, "Parallelize the downloader", [
        TestResult(peak, "failed",
                   "Only 1 request(s) were in flight.\n  likely cause: STUDENT-FEEDBACK-PEAK",
                   measurements=[{"label": "most requests in flight at once", "value": 1,
                                  "expected": "5"}], duration=1.016),
        TestResult(order, "passed", duration=0.733),
        TestResult(fast, "failed", "1.00x as fast.\n  likely cause: STUDENT-FEEDBACK-SPEEDUP",
                   measurements=[{"label": "speedup (median of 3)", "value": "1.00x",
                                  "expected": ">= 3.00x"}],
                   notes=["one URL after another: median 0.812s"], duration=4.875,
                   output=f"printed by the student {HOSTILE}\n"),
        TestResult(slow, "hung", "This test hung.\n  likely cause: STUDENT-FEEDBACK-HUNG",
                   duration=15.0),
        TestResult(timeout, "passed", measurements=[{"label": "returned after", "value": "0.305 s",
                                                     "expected": "about 0.3 s"}], duration=0.31),
    ], notes=["graded hw2.py as downloader.py"], duration=23.4)
    reference = Grade(2, "Parallelize the downloader", [
        TestResult(peak, "passed", measurements=[{"label": "most requests in flight at once",
                                                  "value": 5, "expected": "5"}], duration=0.208),
        TestResult(order, "passed", duration=0.191),
        TestResult(fast, "failed" if reference_loses else "passed",
                   "REFERENCE-LOST-IT" if reference_loses else "",
                   measurements=[{"label": "speedup (median of 3)", "value": "4.87x",
                                  "expected": ">= 3.00x"}], duration=2.938),
        TestResult(slow, "passed", duration=0.805),
        TestResult(timeout, "passed", measurements=[{"label": "returned after", "value": "302.0 ms",
                                                     "expected": "about 0.3 s"}], duration=0.30),
    ], notes=[], duration=6.4)
    return student, reference


def _files(student_code: str | None = None) -> list[compare.FileDiff]:
    stub = (A2.folder / "downloader.py").read_text()
    ref = (A2.reference_dir / "downloader.py").read_text()
    code = student_code if student_code is not None else ref.replace(
        "with concurrent.futures", f"# {HOSTILE}\n    with concurrent.futures")
    return [compare.FileDiff("downloader.py", code, stub, ref, found_as="hw2.py")]


def _comparison(reference_loses: bool = False, files=None) -> compare.SideBySide:
    student, reference = _grades(reference_loses)
    return compare.SideBySide(
        assignment=A2, student_path="submissions/ada/hw2.py",
        reference_path="reference/02_parallelize_the_downloader", student=student,
        reference=reference, started=datetime(2026, 11, 25, 23, 40, 5, tzinfo=timezone.utc),
        wall=23.5, cpu="2 CPU(s) available to this process -> 2 effective",
        files=files if files is not None else _files())


def _table_lines(report: str) -> list[str]:
    start = report.index("Tests (")
    block = report[start:].split("\n\n")[0]
    return block.splitlines()[2:]


# ----------------------------------------------------------------- pairs

def test_pairs_pair_tests_and_mark_differences():
    comp = _comparison()
    differing = {r.function for r in comp.differing}
    assert differing == {"test_peak", "test_speedup", "test_slow_url"}
    assert [r.function for r in comp.pairs] == ["test_peak", "test_order", "test_speedup",
                                                "test_slow_url", "test_timeout"]
    assert comp.reference_full_marks and comp.reference_warning() == ""


def test_a_test_only_one_side_has_differs():
    comp = _comparison()
    comp.reference.tests.pop()  # the reference lacks test_timeout
    pair = next(p for p in comp.pairs if p.function == "test_timeout")
    assert pair.reference is None and pair.differs


# ------------------------------------------------------------------ text

def test_text_table_marks_exactly_the_differing_tests():
    report = compare.render_text(_comparison())
    lines = _table_lines(report)
    assert len(lines) == 5
    marked = {ln for ln in lines if ln.startswith("  >>")}
    assert {any(name in ln for ln in marked) for name in
            ("five requests in flight", "faster than the sequential", "slow URL does not")} == {True}
    assert not any("results in input order" in ln or "timeout= is honoured" in ln for ln in marked)
    peak = next(ln for ln in lines if "five requests" in ln)
    assert re.search(r"FAIL 0/2\s+PASS 2/2\s+visible", peak)
    slow = next(ln for ln in lines if "slow URL" in ln)
    assert re.search(r"HANG 0/2\s+PASS 2/2\s+after_published", slow)
    assert "Tests (3 of 5 differ" in report


def test_text_header_names_paths_totals_time_and_cpu():
    report = compare.render_text(_comparison())
    assert re.search(r"student\s+3/10\s+submissions/ada/hw2.py", report)
    assert re.search(r"reference\s+10/10\s+reference/02_parallelize_the_downloader", report)
    flat = " ".join(report.split())
    assert "Both graded in the same run, concurrently, started 2026-11-25 23:40:05 UTC" in flat
    assert "CPU budget: 2 CPU(s) available to this process -> 2 effective" in report
    assert "note (student): graded hw2.py as downloader.py" in report


def test_text_shows_both_sides_measured_numbers():
    report = compare.render_text(_comparison())
    section = report[report.index("Measured numbers"):report.index("What the student was told")]
    peak = next(ln for ln in section.splitlines() if "most requests in flight" in ln)
    assert re.search(r"most requests in flight at once\s+1\s+\|\s+5\s+\|\s+expected 5", peak)
    speed = next(ln for ln in section.splitlines() if "speedup (median" in ln)
    assert re.search(r"1\.00x\s+\|\s+4\.87x\s+\|\s+expected >= 3\.00x", speed)
    # test durations of both sides
    assert re.search(r"test duration\s+1\.016s\s+\|\s+0\.208s", section)
    assert re.search(r"returned after\s+0\.305 s\s+\|\s+302\.0 ms", section)


def test_text_gives_the_feedback_of_lost_tests_only():
    report = compare.render_text(_comparison())
    told = report[report.index("What the student was told"):report.index("downloader.py: the")]
    for marker in ("STUDENT-FEEDBACK-PEAK", "STUDENT-FEEDBACK-SPEEDUP", "STUDENT-FEEDBACK-HUNG",
                   "one URL after another: median 0.812s", "printed by the student"):
        assert marker in told
    assert "[test_speedup]" in told and "results in input order" not in told
    assert "3 test(s) they lost" in told


def test_text_diffs_against_stub_and_reference():
    report = compare.render_text(_comparison())
    assert "downloader.py: the student's file against the stub (graded from hw2.py)" in report
    assert "--- stub/downloader.py" in report and "+++ student/downloader.py" in report
    assert "--- reference/downloader.py" in report
    ref_part = report[report.index("--- reference/downloader.py"):]
    assert f"+    # {HOSTILE}" in ref_part
    # against the reference, only the added line differs
    changed = [ln for ln in ref_part.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert changed == [f"+    # {HOSTILE}"]


def test_text_colour_only_when_asked():
    comp = _comparison()
    assert not ANSI.search(compare.render_text(comp, colour=False))
    coloured = compare.render_text(comp, colour=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == compare.render_text(comp, colour=False)


def test_reference_that_loses_points_is_warned_about_loudly():
    comp = _comparison(reference_loses=True)
    assert not comp.reference_full_marks
    report = compare.render_text(comp)
    assert "WARNING: The REFERENCE solution scored 7/10 in this run" in " ".join(report.split())
    assert "faster than the sequential loop" in comp.reference_warning()
    assert "make test" in comp.reference_warning()
    assert "WARNING: The REFERENCE solution scored 7/10" in compare.render_html(comp)
    # the reference failed it too: the test no longer differs, and the TA is told
    assert "test_speedup" not in {r.function for r in comp.differing}
    assert "(the reference failed it too)" in report


def test_missing_file_is_said_instead_of_a_diff(tmp_path):
    (tmp_path / "notes.py").write_text("x = 1\n")
    (tmp_path / "scratch.py").write_text("y = 2\n")
    files = compare.read_files(A2, tmp_path)
    assert files[0].student is None and files[0].against("stub") == []
    comp = _comparison(files=files)
    report = compare.render_text(comp)
    assert "downloader.py is missing from the submission" in report
    assert "notes.py" in report and "scratch.py" in report   # what it held instead
    assert "--- stub/downloader.py" not in report
    assert "downloader.py is missing from the submission" in compare.render_html(comp)


def test_read_files_finds_the_file_as_grading_does(tmp_path):
    nested = tmp_path / "ada_late" / "hw2"
    nested.mkdir(parents=True)
    (nested / "downloader.py").write_text((A2.folder / "downloader.py").read_text())
    [f] = compare.read_files(A2, tmp_path)
    assert f.found_as == str(nested / "downloader.py")
    assert "identical to the stub" in f.summary("stub")
    assert f.summary("reference") == "" and f.against("reference")


def test_read_files_names_the_file_inside_a_zip(tmp_path):
    import zipfile
    archive = tmp_path / "ada.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("__MACOSX/hw2/._downloader.py", "junk")
        zf.writestr("hw2/downloader.py", HOSTILE + "\n")
    [f] = compare.read_files(A2, archive)
    assert f.found_as == f"{archive}: hw2/downloader.py"
    assert f.student == HOSTILE + "\n"


def test_read_files_refuses_what_grading_refuses(tmp_path):
    bad = tmp_path / "essay.txt"
    bad.write_text("hello")
    with pytest.raises(SubmissionError):
        compare.read_files(A2, bad)


# ------------------------------------------------------------------ html

VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source",
        "track", "wbr"}


class _Checker(HTMLParser):
    """Tracks open elements; records tags, attributes and style text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.style = ""
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.style += data
        self.text.append(data)


def _check(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert page.startswith("<!DOCTYPE html>")
    assert checker.errors == [] and checker.stack == [], (checker.errors, checker.stack)
    return checker


def test_html_is_well_formed_and_holds_table_chart_feedback_diffs():
    page = compare.render_html(_comparison())
    c = _check(page)
    assert c.tags.count("svg") == 1
    # two bars (student, reference) per timed item: 5 test durations + 1 'returned after'
    assert c.tags.count("rect") == 2 * 6
    assert c.tags.count("tr") >= 1 + 5
    differs = [v for t, k, v in c.attrs if t == "tr" and k == "class" and v == "differs"]
    assert len(differs) >= 3
    text = "".join(c.text)
    assert "STUDENT-FEEDBACK-PEAK" in text and "STUDENT-FEEDBACK-HUNG" in text
    assert "--- stub/downloader.py" in text and "--- reference/downloader.py" in text
    assert "0.305s" in text or "0.305 s" in text
    assert "CPU budget" in text and "2026-11-25 23:40:05" in text


def test_html_escapes_hostile_student_code_and_output():
    page = compare.render_html(_comparison())
    c = _check(page)
    assert "script" not in c.tags and "img" not in c.tags
    assert not re.search(r"<\s*/?\s*script", page, re.I)
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not any(k.startswith("on") for _, k, _ in c.attrs)
    # the hostile text survives, as text, in the diff and in the printed output
    assert sum(HOSTILE in t for t in c.text) >= 2


def test_html_loads_nothing_from_anywhere():
    page = compare.render_html(_comparison())
    c = _check(page)
    assert not {"script", "link", "iframe", "object", "embed", "img", "base"} & set(c.tags)
    for tag, key, value in c.attrs:
        assert key not in ("src", "href", "srcset", "xlink:href", "action"), (tag, key, value)
        assert not re.search(r"(https?:)?//|url\(", value, re.I), (tag, key, value)
    assert "url(" not in c.style and "@import" not in c.style and "//" not in c.style
    csp = [v for t, k, v in c.attrs if t == "meta" and k == "content" and "default-src" in v]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'"]


def test_html_escapes_hostile_test_names_and_measurements():
    comp = _comparison()
    comp.student.tests[0].info.name = HOSTILE
    comp.student.tests[0].measurements[0]["value"] = HOSTILE
    comp.student.notes.append(HOSTILE)
    page = compare.render_html(comp)
    c = _check(page)
    assert "script" not in c.tags and "img" not in c.tags
    assert not re.search(r"<\s*/?\s*script", page, re.I)


def test_html_escapes_a_hostile_path_wherever_the_page_names_it():
    """The submission's path goes into the <title>, the header and 'graded from'."""
    comp = _comparison(files=[compare.FileDiff("downloader.py", HOSTILE, "stub", "ref",
                                               found_as=HOSTILE)])
    comp.student_path = HOSTILE
    comp.student.tests[1].info.nodeid = HOSTILE
    page = compare.render_html(comp)
    c = _check(page)
    assert not {"script", "img"} & set(c.tags) and not re.search(r"<\s*/?\s*script", page, re.I)
    title = page[page.index("<title>"):page.index("</title>")]
    assert "&lt;/script&gt;" in title
    assert page.count(html.escape(HOSTILE, quote=True)) >= 5   # title, header, row, 2 diffs...


# --------------------------------------------------------------- timings

@pytest.mark.parametrize("value, seconds", [
    ("0.30 s", 0.30), ("1.234s", 1.234), ("12.3 ms", 0.0123), ("302.0 ms", 0.302), ("2 sec", 2.0)])
def test_as_seconds_reads_times(value, seconds):
    assert compare.as_seconds(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["4.87x", 5, 0.3, "0", "about 0.3 s", "{'time': 0.1}", None])
def test_as_seconds_ignores_what_is_not_a_time(value):
    assert compare.as_seconds(value) is None


def test_timings_have_durations_and_measured_times():
    items = compare.timings(_comparison())
    assert ("five requests in flight at once (whole test)", 1.016, 0.208) in items
    returned = [i for i in items if i[0].endswith("returned after")]
    assert returned == [("timeout= is honoured: returned after", 0.305, pytest.approx(0.302))]
    assert not any("speedup" in i[0] for i in items)


def test_chart_bar_lengths_follow_the_values():
    svg = compare.chart_svg([("a", 2.0, 1.0), ("b", None, 0.5)], width=410)
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths == [300.0, 150.0, 0.0, 75.0]


# ------------------------------------------------------------- grade_both

def _fake(student=None, reference=None, log=None):
    """A grade= for grade_both: returns (or raises) each side's, and records cancel."""
    s, r = _grades()

    def grade(assignment, path, *, budget=None, cancel=None):
        if log is not None:
            log.append((Path(path), budget, cancel))
        side = reference if Path(path) == assignment.reference_dir else student
        if isinstance(side, BaseException):
            raise side
        return r if Path(path) == assignment.reference_dir else s
    return grade


def test_grade_both_grades_each_side_with_one_cancel(monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "expected_tests", lambda *a, **k: [])
    log = []
    student, reference, started, wall = compare.grade_both(A2, tmp_path, budget=7.0,
                                                           grade=_fake(log=log))
    assert (student.score, reference.score) == (3, 10)
    assert sorted(str(p) for p, _, _ in log) == sorted([str(tmp_path), str(A2.reference_dir)])
    assert {b for _, b, _ in log} == {7.0}
    [cancel] = {id(c): c for _, _, c in log}.values()       # both share one event...
    assert not cancel.is_set()                              # ...not set when nobody pressed Ctrl-C
    assert started.tzinfo is timezone.utc and wall >= 0


def test_grade_both_raises_the_students_error_first(monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "expected_tests", lambda *a, **k: [])
    grade = _fake(student=SubmissionError("STUDENT-SIDE"), reference=runner.GraderError("REF-SIDE"))
    with pytest.raises(SubmissionError, match="STUDENT-SIDE"):
        compare.grade_both(A2, tmp_path, grade=grade)


def test_grade_both_a_reference_that_cannot_be_graded_is_the_kits_fault(monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "expected_tests", lambda *a, **k: [])
    boom = RuntimeError("REF-SIDE")
    with pytest.raises(runner.GraderError) as info:
        compare.grade_both(A2, tmp_path, grade=_fake(reference=boom))
    assert str(info.value).startswith("the reference solution of assignment 2 (")
    assert str(info.value).endswith("so there is nothing to compare against: REF-SIDE")
    assert info.value.__cause__ is boom


# ------------------------------------------------------------------ main

@pytest.fixture
def fake_grading(monkeypatch):
    """runner.grade returns the prebuilt grades; both calls must overlap in time."""
    student, reference = _grades()
    barrier = threading.Barrier(2, timeout=10)
    calls = []

    def grade(assignment, path, *, visibility="all", budget=None, **kw):
        calls.append(Path(path))
        barrier.wait()  # raises BrokenBarrierError unless the other grading runs meanwhile
        return reference if Path(path) == assignment.reference_dir else student

    monkeypatch.setattr(runner, "grade", grade)
    monkeypatch.setattr(runner, "expected_tests", lambda *a, **k: [])
    return calls


def _student_file(tmp_path) -> Path:
    path = tmp_path / "hw2.py"
    path.write_text(_files()[0].student)
    return path


def test_main_grades_both_concurrently_prints_and_writes_html(fake_grading, tmp_path, capsys):
    path = _student_file(tmp_path)
    out_html = tmp_path / "out" / "report.html"
    assert compare.main(["2", str(path), "--html", str(out_html)]) == 0
    assert sorted(map(str, fake_grading)) == sorted([str(path), str(A2.reference_dir)])
    out = capsys.readouterr().out
    assert not ANSI.search(out)                      # captured stdout is not a terminal
    assert len([ln for ln in _table_lines(out) if ln.startswith("  >>")]) == 3
    assert f"HTML report: {out_html.resolve()}" in out
    page = out_html.read_text()
    _check(page)
    assert "&lt;/script&gt;" in page and not re.search(r"<\s*/?\s*script", page, re.I)


def test_main_default_html_name(fake_grading, tmp_path, monkeypatch, capsys):
    path = _student_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert compare.main(["2", str(path), "--no-color"]) == 0
    assert (tmp_path / "build" / "compare" / "compare-2-hw2.html").is_file()


def test_main_replaces_the_page_whole_with_a_plain_files_mode(fake_grading, tmp_path, capsys):
    path = _student_file(tmp_path)
    out_html = tmp_path / "r.html"
    out_html.write_text("an older report")
    umask = os.umask(0o027)
    try:
        assert compare.main(["2", str(path), "--html", str(out_html)]) == 0
    finally:
        os.umask(umask)
    assert out_html.read_text().startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(out_html.stat().st_mode) == 0o640     # what open() would give it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hw2.py", "r.html"]   # no temporary


def test_main_cannot_grade_the_submission_exits_2(monkeypatch, tmp_path, capsys):
    def grade(assignment, path, **kw):
        if Path(path) != assignment.reference_dir:
            raise SubmissionError(f"{path} unpacks to more than 50 MB")
        return _grades()[1]
    monkeypatch.setattr(runner, "grade", grade)
    monkeypatch.setattr(runner, "expected_tests", lambda *a, **k: [])
    path = _student_file(tmp_path)
    assert compare.main(["2", str(path), "--html", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: cannot grade the submission:") and "50 MB" in last
    assert not (tmp_path / "x.html").exists()


def test_main_reference_that_cannot_be_graded_exits_2(monkeypatch, tmp_path, capsys):
    def grade(assignment, path, **kw):
        if Path(path) == assignment.reference_dir:
            raise runner.GraderError("the test process exited before running any test")
        return _grades()[0]
    monkeypatch.setattr(runner, "grade", grade)
    monkeypatch.setattr(runner, "expected_tests", lambda *a, **k: [])
    assert compare.main(["2", str(_student_file(tmp_path)), "--html", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "error: the reference solution of assignment 2" in err and "exited before" in err


def test_main_reference_short_of_full_marks_warns_on_stderr(monkeypatch, tmp_path, capsys):
    student, reference = _grades(reference_loses=True)
    monkeypatch.setattr(runner, "grade", lambda a, p, **kw: reference if Path(p) == a.reference_dir
                        else student)
    monkeypatch.setattr(runner, "expected_tests", lambda *a, **k: [])
    assert compare.main(["2", str(_student_file(tmp_path)), "--html", str(tmp_path / "x.html")]) == 0
    captured = capsys.readouterr()
    assert "WARNING: The REFERENCE solution scored 7/10" in " ".join(captured.out.split())
    assert captured.err.count("warning: The REFERENCE solution scored 7/10") == 1


@pytest.mark.parametrize("argv, message", [
    (["99", "x.py"], "no assignment '99'"),
    (["2", "/no/such/submission.py"], "no such file or folder"),
    (["2"], "which submission?"),
])
def test_main_refuses_clearly(argv, message, monkeypatch, capsys):
    monkeypatch.setattr(runner, "grade", lambda *a, **k: pytest.fail("must not grade"))
    assert compare.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


def test_main_refuses_an_ungradable_path_before_grading(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(runner, "grade", lambda *a, **k: pytest.fail("must not grade"))
    bad = tmp_path / "essay.txt"
    bad.write_text("hello")
    assert compare.main(["2", str(bad)]) == 2
    assert "not a folder, a .py file or a .zip" in capsys.readouterr().err


def test_main_unwritable_html_exits_2_after_printing(fake_grading, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert compare.main(["2", str(_student_file(tmp_path)), "--html",
                         str(blocker / "sub" / "r.html")]) == 2
    captured = capsys.readouterr()
    assert "Tests (3 of 5 differ" in captured.out
    assert "the HTML report could not be written" in captured.err


def _interrupting_grade(cancelled: list, *, when_waiting: bool):
    """A runner.grade whose reference side presses Ctrl-C: once main() waits for both
    gradings (`when_waiting`), or at once, while they are still being started."""
    import _thread
    student_running = threading.Event()

    def grade(assignment, path, *, cancel=None, **kw):
        if Path(path) == assignment.reference_dir:
            if when_waiting:
                student_running.wait(5)
                time.sleep(0.5)               # main() polls every 0.1 s by now
            _thread.interrupt_main()
        else:
            student_running.set()
        cancelled.append(cancel.wait(10))     # the runner would kill its child now
        return _grades()[0]
    return grade


def test_ctrl_c_cancels_both_gradings(monkeypatch, tmp_path, capsys, sigint_handled):
    cancelled = []
    monkeypatch.setattr(runner, "grade", _interrupting_grade(cancelled, when_waiting=True))
    monkeypatch.setattr(runner, "expected_tests", lambda *a, **k: [])
    out_html = tmp_path / "x.html"
    assert compare.main(["2", str(_student_file(tmp_path)), "--html", str(out_html)]) == 2
    assert cancelled == [True, True]                  # both saw it before main() returned
    assert "interrupted" in capsys.readouterr().err and not out_html.exists()


def test_ctrl_c_as_the_gradings_start_cancels_both_too(monkeypatch, tmp_path, capsys,
                                                       sigint_handled):
    cancelled = []
    monkeypatch.setattr(runner, "grade", _interrupting_grade(cancelled, when_waiting=False))
    monkeypatch.setattr(runner, "expected_tests", lambda *a, **k: [])
    assert compare.main(["2", str(_student_file(tmp_path)), "--html", str(tmp_path / "x.html")]) == 2
    deadline = time.monotonic() + 5
    while len(cancelled) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cancelled == [True, True]                  # not left to run out their budget
    assert "interrupted" in capsys.readouterr().err


def test_text_shows_a_long_measured_value_whole_on_lines_of_its_own():
    """From issue 17: measured cells were cut until useless ("{'url': 'https://files...")."""
    comp = _comparison()
    long = str([{"url": f"https://files.ck.test/{i}.bin", "status": 200, "size": 1000 + i}
                for i in range(4)])
    pair = next(p for p in comp.pairs if p.student is not None and p.student.measurements)
    pair.student.measurements.append({"label": "results", "value": long, "expected": None})
    report = compare.render_text(comp)
    section = report[report.index("Measured numbers"):report.index("What the student was told")]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "results:")
    block = []
    for line in lines[start + 1:]:
        if not line.startswith(" " * 9):
            break
        block.append(line)
    assert block[0].lstrip().startswith("student:")
    joined = " ".join(part.strip() for part in block).replace("student: ", "", 1)
    assert long.replace(" ", "") in joined.replace(" ", "")
    assert all(len(line) <= 100 for line in block)


def test_html_legend_swatches_are_boxes_and_feedback_wraps():
    """From issue 17: the legend's note was drawn as a column of single words (it took the
    swatches' fixed width), and feedback blocks hid the likely cause behind a scrollbar."""
    page = compare.render_html(_comparison())
    legend = page[page.index('<p class="legend">'):]
    legend = legend[:legend.index("</p>")]
    assert legend.count('<span class="swatch"') == 2 and '<span class="muted">' in legend
    assert ".legend span.swatch{" in page and ".legend span{" not in page
    assert "pre.feedback{white-space:pre-wrap" in page
    assert page.count('<pre class="feedback">') >= 1 and "STUDENT-FEEDBACK-PEAK" in page
