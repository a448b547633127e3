"""autograder.instructor.exports: grades.csv, canvas.csv, moodle.csv, junit.xml (no grading)."""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import os
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograder.instructor import exports
from autograder.instructor.exports import csvtokens
from autograder.manifest import Assignment
from autograder.instructor.records import GradeRow, Student

ASSIGNMENT = Assignment(number=3, slug="03_batch_the_tiny_tasks", title="Batch the tiny tasks",
                        files=("batching.py",), points=10, budget=120, test_timeout=10)
NOW = dt.datetime(2026, 11, 25, 23, 30, 5, tzinfo=dt.timezone.utc)
NASTY = 'Line one, with "quotes"\nline two\x00 and \x1b[31mcolour\x1b[0m; ok'


def _t(name, score, max_score, status, output="", duration=None):
    t = {"name": name, "nodeid": f"tests/test_visible.py::test_{name.replace(' ', '_')}",
         "score": score, "max_score": max_score, "status": status, "output": output}
    if duration is not None:
        t["duration"] = duration
    return t


def _tests(a, b, c, d, outputs=("", "", "", "")):
    """Four graded tests worth 4 + 3 + 2 + 1 = 10; a..d are statuses."""
    spec = [("every item once", 4), ("empty input", 3), ("speedup", 2), ("clean exit", 1)]
    return [_t(name, mx if st == "passed" else 0, mx, st, out, 0.25 * (i + 1))
            for i, ((name, mx), st, out) in enumerate(zip(spec, (a, b, c, d), outputs))]


def _row(sid, name, source, lms, status="graded", tests=None, message="", duration=1.0,
         notes=()):
    tests = tests if tests is not None else []
    score = sum(t["score"] for t in tests)
    return GradeRow(Student(sid, name, Path(f"/dl/{sid}"), source, dict(lms), list(notes)),
                    status, score, 10.0, message, duration, tests)


def rows() -> list[GradeRow]:
    P = "passed"
    return [
        _row("lovelace_ada_101", "Lovelace, Ada", "canvas",
             {"user_id": "101", "submission_id": "9001", "late": ""},
             tests=_tests(P, P, P, P), message="10/10: all passed", duration=12.5),
        _row("unal_zoe_102", "Zoë Ünal", "canvas",
             {"user_id": "102", "submission_id": "9002", "late": "1"},
             tests=_tests(P, "failed", "hung", "not-run",
                          ("", "process_all([]) returned 1, expected 0", "hung after 10 s",
                           "budget ran out")),
             message=NASTY, duration=40.0,
             notes=["Canvas marked it late", "graded the zip inside, submission.zip"]),
        _row("eq_103", "=1+2", "canvas", {"user_id": "103", "submission_id": "9003", "late": ""},
             tests=_tests(P, "crashed", "error", P, ("", "", "fixture broke", "")),
             message="-2 points: @everyone +1", duration=3.0),
        _row("broken_104", "Bob Broken", "canvas", {"user_id": "104", "submission_id": "9004"},
             status="error", message="could not unzip: bad CRC", duration=0.2,
             tests=_tests("not-run", "not-run", "not-run", "not-run",   # as rows.error_row
                          ("could not unzip: bad CRC",) * 4)),
        _row("anon_x9", "anon_x9", "canvas", {"user_id": "", "submission_id": "9005",
                                              "late": "", "anonymous_id": "x9"},
             tests=_tests("passed", "passed", "passed", "failed", ("", "", "", "no exit"))),
        _row("Grace Hopper_7", "Grace Hopper", "moodle", {"participant": "7"},
             tests=_tests(P, P, "failed", P, ("", "", "1.2x speedup, needs 1.8x", "")),
             message="8/10", duration=20.0),
        _row("Alan Turing_8", "Alan Turing", "moodle", {"participant": "8"},
             tests=_tests(P, P, P, P), message='said "hi" \\"there\\"', duration=9.0),
        _row("plain_student", "plain_student", "folder", {},
             tests=_tests(P, "failed", P, P, ("", "a, b\n\"c\"", "", "")),
             message="7/10", duration=5.0),
    ]


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _by_first(table):
    return {r[0]: r for r in table[1:]}


# ------------------------------------------------------------------ helpers

def test_clean_strips_what_xml_and_terminals_cannot_take():
    assert exports.clean("a\x00b\x1b[1;31mc\x1b[0m\x07d\x7f\ud800e\r\nf\rg") == "abcde\nf\ng"
    assert exports.clean("tab\tand ünïcödé 🙂") == "tab\tand ünïcödé 🙂"
    assert exports.clean(None) == ""


@pytest.mark.parametrize("text", ["=1+2", "+1", "-2", "@SUM(A1)", "\tx"])
def test_cell_defuses_formulas(text):
    assert exports.cell(text) == "'" + text
    assert exports.cell("\rx") == "\nx"         # a CR becomes a newline, not a cell start


def test_cell_leaves_plain_text_and_numbers_alone():
    assert exports.cell("Ada Lovelace") == "Ada Lovelace"
    assert exports.cell("3.5") == "3.5"
    assert [exports.num(x) for x in (3, 3.5, 3.25, 3.256, 0, 1e-9, 10.0)] == \
        ["3", "3.5", "3.25", "3.26", "0", "0", "10"]


# ------------------------------------------------------------------ csvtokens (templates)

@pytest.mark.parametrize("text", [
    "a,b\r\nc,d\r\n",
    "a,b\nc,d",                                       # no line ending at the end
    "a,b\rc,d\r\ne,f\n\n\ng\r",                      # every ending, blank lines
    '"x\r\ny", "q""uote" ,  pad  ,,\n""\n',           # newlines and quotes inside, spaces
    "\ufeffStudent;ID;Score\n\"Lovelace, Ada\";101;1,5\n",
    "",
])
def test_csvtokens_give_back_every_byte(text):
    assert csvtokens.parse(text).text() == text


def test_csvtokens_read_values_as_a_csv_reader_does():
    text = '"x\r\ny", "q""uote" ,pad \n"a,b",c,\n'
    raw = csvtokens.parse(text)
    assert raw.values(0) == ["x\r\ny", ' "q""uote" ', "pad "]    # quotes mid-cell stay raw
    assert raw.values(1) == list(csv.reader(io.StringIO(text)))[1] == ["a,b", "c", ""]
    assert raw.value(1, 7) == ""                          # past the end: empty


def test_csvtokens_set_quotes_only_when_it_must():
    raw = csvtokens.parse("h1,h2,h3\r\na,b,c\r\n")
    for col, value in enumerate(["1,5", " lead", 'say "hi"']):
        raw.set(1, col, value)
    raw.set(1, 4, "plain")                                # past the end: padded
    assert raw.text() == 'h1,h2,h3\r\n"1,5"," lead","say ""hi""",,plain\r\n'
    assert list(csv.reader(io.StringIO(raw.text())))[1] == ["1,5", " lead", 'say "hi"', "", "plain"]
    semi = csvtokens.parse("a;b\n")
    semi.set(0, 1, "1,5")
    assert semi.text() == "a;1,5\n"                      # a comma is no separator here


def test_csvtokens_pick_the_separator_canvas_would():
    assert csvtokens.parse("Student;ID;Score\nAda;1;2,5\n").delim == ";"
    assert csvtokens.parse('Student,ID,Score\n"Ada; Lovelace",1,2\n').delim == ","
    assert csvtokens.parse("a;b\nc,d,e\n").delim == ","         # no agreement: ','
    with pytest.raises(csvtokens.CsvError, match="never closed"):
        csvtokens.parse('a,"b\nc\n')


# ------------------------------------------------------------------ grades.csv

def test_grades_csv_every_row_and_cell(tmp_path):
    result = exports.write_grades_csv(rows(), ASSIGNMENT, tmp_path)
    path = tmp_path / "grades.csv"
    assert list(result) == [path] and result.paths == [path]
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")          # BOM: Excel reads UTF-8
    table = _read_csv(path)
    assert table[0] == exports.GRADES_FIELDS + [
        "every item once (4 pts)", "empty input (3 pts)", "speedup (2 pts)", "clean exit (1 pts)"]
    assert [r[0] for r in table[1:]] == ["Alan Turing_8", "anon_x9", "broken_104", "eq_103",
                                         "Grace Hopper_7", "lovelace_ada_101", "plain_student",
                                         "unal_zoe_102"]
    assert all(len(r) == len(table[0]) for r in table)
    got = _by_first(table)
    assert got["lovelace_ada_101"] == [
        "lovelace_ada_101", "Lovelace, Ada", "10", "10", "100.0", "graded", "10/10: all passed", "",
        "12.5", "canvas", "101", "9001", "", "", "10", "", "4", "3", "2", "1"]
    assert got["unal_zoe_102"] == [
        "unal_zoe_102", "Zoë Ünal", "4", "10", "40.0", "graded",
        'Line one, with "quotes"\nline two and colour; ok',
        "Canvas marked it late; graded the zip inside, submission.zip", "40.0", "canvas", "102", "9002",
        "yes", "", "4", "", "4", "0", "0", "0"]
    assert got["eq_103"] == [
        "eq_103", "'=1+2", "5", "10", "50.0", "graded", "'-2 points: @everyone +1", "", "3.0",
        "canvas", "103", "9003", "", "", "5", "", "4", "0", "0", "1"]
    assert got["broken_104"] == [
        "broken_104", "Bob Broken", "0", "10", "0.0", "error", "could not unzip: bad CRC", "",
        "0.2",
        "canvas", "104", "9004", "", "", "0", "", "0", "0", "0", "0"]
    assert got["anon_x9"][10:] == ["", "9005", "", "", got["anon_x9"][2], "", "4", "3", "2", "0"]
    assert got["Grace Hopper_7"] == [
        "Grace Hopper_7", "Grace Hopper", "8", "10", "80.0", "graded", "8/10", "", "20.0", "moodle",
        "", "", "", "7", "8", "", "4", "3", "0", "1"]
    assert got["Alan Turing_8"][6] == 'said "hi" \\"there\\"'
    assert got["plain_student"][9:] == ["folder", "", "", "", "", got["plain_student"][2], "",
                                        "4", "0", "2", "1"]
    raw = path.read_text(encoding="utf-8-sig")
    assert "\x00" not in raw and "\x1b" not in raw
    assert ",10,10,100.0,graded," in raw            # numbers are bare, never quoted/prefixed
    assert len(result.warnings) == 1 and "broken_104 (Bob Broken)" in result.warnings[0]


def test_grades_csv_is_deterministic(tmp_path):
    shuffled = rows()
    random.Random(5).shuffle(shuffled)
    exports.write_grades_csv(rows(), ASSIGNMENT, tmp_path / "a")
    exports.write_grades_csv(shuffled, ASSIGNMENT, tmp_path / "b")
    assert (tmp_path / "a/grades.csv").read_bytes() == (tmp_path / "b/grades.csv").read_bytes()


def test_grades_csv_duplicate_test_names_use_nodeids(tmp_path):
    row = _row("s", "s", "folder", {}, tests=[
        {"name": "same", "nodeid": "a.py::same", "score": 1, "max_score": 1, "status": "passed"},
        {"name": "same", "nodeid": "b.py::same", "score": 0, "max_score": 2, "status": "failed"}])
    exports.write_grades_csv([row], ASSIGNMENT, tmp_path)
    table = _read_csv(tmp_path / "grades.csv")
    assert table[0][-2:] == ["a.py::same (1 pts)", "b.py::same (2 pts)"]
    assert table[1][-2:] == ["1", "0"]


# ------------------------------------------------------------------ canvas.csv (minimal)

def _canvas_importer_view(table):
    """What Canvas's GradebookImporter (gradebook_importer.rb) makes of a parsed file:
    header checks, the student-info width, the assignment columns, students by ID."""
    header = table[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3])
    assert "Section" in header[4]                       # last_student_info_column
    assignments = [re.match(r"\A(.*)\s\((\d+)\)\Z", h).groups() if re.match(
        r"\A(.*)\s\((\d+)\)\Z", h) else (h, None) for h in header[5:]]
    points = next((r for r in table[1:] if "Points Possible" in r[0]), None)
    students = {r[1]: r[5:] for r in table[1:] if "Points Possible" not in r[0]}
    return assignments, points, students


def test_canvas_minimal_with_assignment_id(tmp_path):
    result = exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, assignment_id="4521")
    path = tmp_path / "canvas.csv"
    assert list(result) == [path]
    table = _read_csv(path)
    assert table == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Batch the tiny tasks (4521)"],
        ["'=1+2", "103", "", "", "", "5"],
        ["Lovelace, Ada", "101", "", "", "", "10"],
        ["Zoë Ünal", "102", "", "", "", "4"],
    ]
    assignments, points, students = _canvas_importer_view(table)
    assert assignments == [("Batch the tiny tasks", "4521")]
    assert points is None                       # never change an existing assignment's points
    assert students == {"103": ["5"], "101": ["10"], "102": ["4"]}
    text = " | ".join(result.warnings)
    assert "broken_104" in text                                     # error row: no grade
    for sid in ("Grace Hopper_7", "Alan Turing_8", "plain_student"):  # no Canvas id: listed
        assert sid in text
    assert "NOT in canvas.csv" in text
    assert "anonymous grading" in text and "anon_x9" in text


def test_canvas_minimal_without_id_creates_an_assignment(tmp_path):
    result = exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path)
    table = _read_csv(tmp_path / "canvas.csv")
    assert table[0][5] == "Batch the tiny tasks"
    assert table[1] == ["    Points Possible", "", "", "", "", "10"]
    assignments, points, students = _canvas_importer_view(table)
    assert assignments == [("Batch the tiny tasks", None)] and points[5] == "10"
    assert set(students) == {"101", "102", "103"}
    assert any("NEW assignment" in w for w in result.warnings)


def test_canvas_rejects_a_non_numeric_assignment_id(tmp_path):
    with pytest.raises(exports.ExportError, match="must be a number"):
        exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, assignment_id="abc")


# ------------------------------------------------------------------ canvas.csv (template)

CANVAS_TEMPLATE = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Warm-up (4400),Batch the tiny tasks (4521),"
    "Current Score,Unposted Current Score,Final Score,Unposted Final Score\r\n"
    ",,,,,Manual Posting,,,,,\r\n"
    "    Points Possible,,,,,5.00,10.00,(read only),(read only),(read only),(read only)\r\n"
    "\"Lovelace, Ada\",101,S-1,ada@uni.edu,\"Sec A, Mon\",5.00,,100.00,100.00,50.00,50.00\r\n"
    "\"Ünal, Zoë\",102,S-2,zoe@uni.edu,Sec A,4.50,3.00,90.00,90.00,45.00,45.00\r\n"
    "\"=\"\"=1+2\"\"\",103,S-3,eq@uni.edu,Sec B,,,,,,\r\n"
    "\"Broken, Bob\",104,S-4,bob@uni.edu,Sec B,2.00,7.00,40.00,40.00,20.00,20.00\r\n"
    "\"Absent, Amy\",105,S-5,amy@uni.edu,Sec B,1.00,,20.00,20.00,10.00,10.00\r\n"
    "\"plain, student\",106,S-6,plain_student,Sec B,,,,,,\r\n"
    "\"Student, Test\",999,,,Sec A,,,,,,\r\n")


def _raw_lines(text: str) -> list[str]:
    return text.split("\r\n")


def test_canvas_template_fills_only_the_assignment_cells(tmp_path):
    template = tmp_path / "export.csv"
    template.write_bytes(CANVAS_TEMPLATE.encode())
    result = exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, template=template,
                                      assignment_id="4521")
    out = (tmp_path / "canvas.csv").read_bytes().decode("utf-8")
    before, after = _raw_lines(CANVAS_TEMPLATE), _raw_lines(out)
    assert len(before) == len(after)
    changed = {i for i, (b, a) in enumerate(zip(before, after)) if b != a}
    assert changed == {3, 4, 5, 8}         # Ada, Zoë, =1+2 and plain_student (by login)
    old, new = list(csv.reader(io.StringIO(CANVAS_TEMPLATE))), list(csv.reader(io.StringIO(out)))
    for i in changed:                       # only column 6 differs on a changed line
        assert old[i][:6] == new[i][:6] and old[i][7:] == new[i][7:]
    assert [new[i][6] for i in (3, 4, 5, 8)] == ["10", "4", "5", "7"]
    assert new[6][6] == "7.00"              # Bob's grader error: his old grade stays
    assert new[7][6] == ""                  # Amy handed nothing in: untouched
    text = " | ".join(result.warnings)
    assert "plain_student" in text and "matched by name/login" in text
    assert "Absent, Amy" in text and "Student, Test" in text     # template, no submission
    assert "Grace Hopper_7" in text and "Alan Turing_8" in text   # submission, not enrolled
    assert "Lovelace, Ada" not in text.split("no graded submission")[-1]


def test_canvas_template_by_title_scales_and_keeps_bom_and_semicolons(tmp_path):
    text = ("\ufeffStudent;ID;SIS Login ID;Section;Batch the tiny tasks;Final Score\n"
            "    Points Possible;;;;20;(read only)\n"
            "\"Lovelace, Ada\";101;ada;A;;1,5\n"
            "Zoë Ünal;102;zoe;A;3;2\n")
    template = tmp_path / "semi.csv"
    template.write_bytes(text.encode())
    result = exports.write_canvas_csv(rows()[:2], ASSIGNMENT, tmp_path, template=template)
    out = (tmp_path / "canvas.csv").read_bytes().decode()
    assert out == text.replace("A;;1,5", "A;20;1,5").replace("A;3;2", "A;8;2")
    assert any("scaled to 20" in w and "10/10 -> 20" in w for w in result.warnings)


def test_canvas_template_without_the_column_appends_a_new_assignment(tmp_path):
    text = ("Student,ID,SIS Login ID,Section,Warm-up (4400)\n"
            "    Points Possible,,,,5\n"
            "\"Lovelace, Ada\",101,ada,A,5\n"
            "\n")
    template = tmp_path / "t.csv"
    template.write_text(text)
    result = exports.write_canvas_csv(rows()[:1], ASSIGNMENT, tmp_path, template=template)
    out = (tmp_path / "canvas.csv").read_text()
    assert out == ("Student,ID,SIS Login ID,Section,Warm-up (4400),Batch the tiny tasks\n"
                   "    Points Possible,,,,5,10\n"
                   "\"Lovelace, Ada\",101,ada,A,5,10\n"
                   "\n")
    assert any("NEW assignment" in w for w in result.warnings)


def test_canvas_template_problems_are_clear_errors(tmp_path):
    template = tmp_path / "t.csv"
    template.write_bytes(CANVAS_TEMPLATE.encode())
    with pytest.raises(exports.ExportError, match="no column for assignment id 77"):
        exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, template=template,
                                 assignment_id="77")
    template.write_bytes(b"Name,Score\nAda,3\n")
    with pytest.raises(exports.ExportError, match="not a Canvas Gradebook export"):
        exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, template=template)
    template.write_bytes("Student,ID,Section,X\n\"Caf\xe9,1,A,2\n".encode("latin-1"))
    with pytest.raises(exports.ExportError, match="not UTF-8"):
        exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, template=template)
    with pytest.raises(exports.ExportError, match="cannot read") as info:
        exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, template=tmp_path / "nope.csv")
    assert isinstance(info.value.__cause__, FileNotFoundError)
    template.write_bytes(b"Student,ID,SIS User ID,SIS Login ID,X\nAda,1,,,\n")
    with pytest.raises(exports.ExportError, match="no Section column"):
        exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, template=template)
    template.write_bytes(b'Student,ID,SIS User ID,Section,X\n"Ada,1,,A,2\n')
    with pytest.raises(exports.ExportError, match="not valid CSV: a quoted cell is never closed"):
        exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, template=template)
    template.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(exports.ExportError, match="is empty"):
        exports.write_canvas_csv(rows(), ASSIGNMENT, tmp_path, template=template)
    assert not (tmp_path / "canvas.csv").exists()       # a refused template writes nothing


# ------------------------------------------------------------------ moodle.csv

def _moodle_upload_view(table):
    """What assignfeedback_offline_grade_importer reads: the Identifier/Grade/Last
    modified (grade) columns must exist; every row as wide as the header."""
    header = table[0]
    for needed in ("Identifier", "Grade", "Last modified (grade)"):
        assert needed in header
    assert all(len(r) == len(header) for r in table)
    ident, grade = header.index("Identifier"), header.index("Grade")
    return {r[ident][len("Participant "):]: r[grade] for r in table[1:]}


def test_moodle_minimal_every_row_and_cell(tmp_path):
    result = exports.write_moodle_csv(rows(), ASSIGNMENT, tmp_path, now=NOW)
    path = tmp_path / "moodle.csv"
    assert list(result) == [path]
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")     # Moodle strips it (csvlib)
    table = _read_csv(path)
    assert table[0] == exports.MOODLE_HEADER
    assert _moodle_upload_view(table) == {"8": "10", "7": "8"}
    turing, hopper = table[1], table[2]
    assert turing[:9] == ["Participant 8", "Alan Turing", "", "", "10", "10", "Yes", "",
                          "2026-11-25T23:30:05+00:00"]
    assert hopper[:9] == ["Participant 7", "Grace Hopper", "", "", "8", "10", "Yes", "",
                          "2026-11-25T23:30:05+00:00"]
    assert hopper[9] == ("<p>8/10<br>\nPASS 4/4 every item once<br>\nPASS 3/3 empty input<br>\n"
                         "FAIL 0/2 speedup<br>\n    1.2x speedup, needs 1.8x<br>\n"
                         "PASS 1/1 clean exit</p>")
    # PHP's fgetcsv treats \" specially: feedback is HTML, so no raw quote reaches it.
    assert '"' not in turing[9] and html.unescape(turing[9]).startswith('<p>said "hi"')
    text = " | ".join(result.warnings)
    for sid in ("lovelace_ada_101", "unal_zoe_102", "eq_103", "plain_student"):
        assert sid in text
    assert "broken_104" in text


def test_moodle_feedback_is_escaped_html(tmp_path):
    row = _row("x_1", "X", "moodle", {"participant": "1"}, message="<script>alert(1)</script>",
               tests=_tests("passed", "failed", "passed", "passed", ("", NASTY, "", "")))
    got = exports.feedback_html(row)
    assert "<script>" not in got and "&lt;script&gt;" in got
    assert "\x00" not in got and "\x1b" not in got and "&quot;quotes&quot;" in got


MOODLE_TEMPLATE = (
    "Identifier,\"Full name\",\"Email address\",Status,Grade,\"Maximum Grade\",\"Grade can be "
    "changed\",\"Last modified (submission)\",\"Online text\",\"Last modified (grade)\","
    "\"Feedback comments\"\n"
    "\"Participant 7\",\"Grace Hopper\",grace@uni.edu,\"Submitted for grading\",,10.00,Yes,"
    "\"Tuesday, 24 November 2026, 10:00 PM\",,-,\n"
    "\"Participant 8\",\"Alan Turing\",alan@uni.edu,\"Submitted for grading - Graded\",6.00,"
    "10.00,Yes,\"Tuesday, 24 November 2026, 9:00 PM\",\"<p>hi, there</p>\","
    "\"Wednesday, 25 November 2026, 8:00 AM\",\"<p>old</p>\"\n"
    "\"Participant 9\",\"Absent Amy\",amy@uni.edu,\"No submission\",,10.00,Yes,-,,-,\n"
    "\"Participant 10\",plain_student,plain@uni.edu,\"Submitted for grading\",,10.00,Yes,-,,-,\n")


def test_moodle_template_fills_grade_and_feedback_only(tmp_path):
    template = tmp_path / "worksheet.csv"
    template.write_bytes(MOODLE_TEMPLATE.encode())
    result = exports.write_moodle_csv(rows(), ASSIGNMENT, tmp_path, template=template)
    out = (tmp_path / "moodle.csv").read_bytes().decode()
    lines = MOODLE_TEMPLATE.split("\n")
    assert out.startswith(lines[0] + "\n")                   # header byte-identical
    assert "\n" + lines[3] + "\n" in out                      # Amy's line byte-identical
    assert out.endswith("\n") and not out.endswith("\n\n")
    old = list(csv.reader(io.StringIO(MOODLE_TEMPLATE)))
    new = list(csv.reader(io.StringIO(out)))
    assert len(old) == len(new) and old[0] == new[0] and old[3] == new[3]
    for i in (1, 2, 4):                        # Hopper, Turing, plain_student (by name)
        assert [c for j, c in enumerate(old[i]) if j not in (4, 10)] == \
               [c for j, c in enumerate(new[i]) if j not in (4, 10)]
    assert [new[i][4] for i in (1, 2, 4)] == ["8", "10", "7"]
    assert new[1][10].startswith("<p>8/10<br>") and new[4][10].startswith("<p>7/10<br>")
    assert new[2][9] == "Wednesday, 25 November 2026, 8:00 AM"   # Moodle's stale check stays
    assert _moodle_upload_view(new)["8"] == "10"
    text = " | ".join(result.warnings)
    assert "plain_student" in text and "matched by name/email" in text
    assert "Absent Amy" in text                                   # worksheet, no submission
    assert "lovelace_ada_101" in text                             # submission, no participant


def test_moodle_template_scales_to_moodle_maximum(tmp_path):
    template = tmp_path / "w.csv"
    template.write_text(MOODLE_TEMPLATE.replace("10.00", "100.00"))
    result = exports.write_moodle_csv(rows(), ASSIGNMENT, tmp_path, template=template)
    new = _read_csv(tmp_path / "moodle.csv")
    assert [new[i][4] for i in (1, 2, 4)] == ["80", "100", "70"]
    assert any("scaled to 100" in w for w in result.warnings)


def test_moodle_template_in_another_language_is_refused(tmp_path):
    template = tmp_path / "w.csv"
    template.write_text("Kennung,Vollständiger Name,Bewertung,Zuletzt geändert (Bewertung)\n"
                        "Teilnehmer/in 7,Grace Hopper,,-\n")
    with pytest.raises(exports.ExportError, match="English"):
        exports.write_moodle_csv(rows(), ASSIGNMENT, tmp_path, template=template)


def test_moodle_template_without_feedback_column_says_so(tmp_path):
    text = "Identifier,Full name,Grade,Last modified (grade)\nParticipant 7,Grace Hopper,,-\n"
    template = tmp_path / "w.csv"
    template.write_text(text)
    hopper = [r for r in rows() if r.student.id == "Grace Hopper_7"]
    result = exports.write_moodle_csv(hopper, ASSIGNMENT, tmp_path, template=template)
    assert (tmp_path / "moodle.csv").read_text() == text.replace("Hopper,,-", "Hopper,8,-")
    assert any("Feedback comments" in w for w in result.warnings)


# ------------------------------------------------------------------ junit.xml

# The shape junit-10.xsd (jenkinsci/xunit-plugin) allows: element -> (required attributes,
# optional attributes, allowed children).
SCHEMA = {
    "testsuites": (set(), {"name", "time", "tests", "failures", "errors"}, {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors"},
                  {"group", "time", "skipped", "timestamp", "hostname", "id", "package", "file",
                   "log", "url"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, set(), set()),
    "testcase": ({"name"}, {"time", "classname", "group"},
                 {"skipped", "error", "failure", "system-out", "system-err"}),
    "failure": (set(), {"type", "message"}, set()),
    "error": (set(), {"type", "message"}, set()),
    "skipped": (set(), {"type", "message"}, set()),
}
SUREFIRE_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?")


def _check_schema(el):
    assert el.tag in SCHEMA, el.tag
    required, optional, children = SCHEMA[el.tag]
    assert required <= set(el.attrib), (el.tag, el.attrib)
    assert set(el.attrib) <= required | optional, (el.tag, el.attrib)
    if el.tag in ("testsuites", "testsuite") and "time" in el.attrib:
        assert SUREFIRE_TIME.fullmatch(el.get("time")), el.get("time")
    if not children and el.tag not in ("failure", "error", "skipped"):
        assert not (el.text or "").strip()
    for child in el:
        assert child.tag in children, (el.tag, child.tag)
        _check_schema(child)


def test_junit_xml_matches_the_schema_and_the_rows(tmp_path):
    result = exports.write_junit_xml(rows(), ASSIGNMENT, tmp_path)
    path = tmp_path / "junit.xml"
    assert list(result) == [path] and result.warnings == []
    data = path.read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"\x00" not in data and b"\x1b" not in data
    root = ET.fromstring(data)
    _check_schema(root)
    assert root.tag == "testsuites" and root.get("name") == "03_batch_the_tiny_tasks"
    suites = {s.get("name"): s for s in root}
    assert list(suites) == ["Alan Turing_8", "anon_x9", "broken_104", "eq_103", "Grace Hopper_7",
                            "lovelace_ada_101", "plain_student", "unal_zoe_102"]
    counts = {k: (s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped"),
                  s.get("time")) for k, s in suites.items()}
    assert counts == {
        "Alan Turing_8": ("4", "0", "0", "0", "9.000"),
        "anon_x9": ("4", "1", "0", "0", "1.000"),
        "broken_104": ("5", "0", "1", "4", "0.200"),
        "eq_103": ("4", "1", "1", "0", "3.000"),
        "Grace Hopper_7": ("4", "1", "0", "0", "20.000"),
        "lovelace_ada_101": ("4", "0", "0", "0", "12.500"),
        "plain_student": ("4", "1", "0", "0", "5.000"),
        "unal_zoe_102": ("4", "2", "0", "1", "40.000"),
    }
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("33", "6", "2")
    assert root.get("time") == "90.700"

    zoe = suites["unal_zoe_102"]
    props = {p.get("name"): p.get("value") for p in zoe.find("properties")}
    assert props == {"student_name": "Zoë Ünal", "score": "4", "max_score": "10",
                     "percent": "40.0", "status": "graded", "source": "canvas"}
    cases = zoe.findall("testcase")
    assert [(c.get("classname"), c.get("name"), c.get("time")) for c in cases] == [
        ("03_batch_the_tiny_tasks.unal_zoe_102", "every item once", "0.250"),
        ("03_batch_the_tiny_tasks.unal_zoe_102", "empty input", "0.500"),
        ("03_batch_the_tiny_tasks.unal_zoe_102", "speedup", "0.750"),
        ("03_batch_the_tiny_tasks.unal_zoe_102", "clean exit", "1.000")]
    assert len(cases[0]) == 0                                     # passed: no child
    fail = cases[1].find("failure")
    assert (fail.get("type"), fail.get("message")) == \
        ("failed", "process_all([]) returned 1, expected 0")
    assert fail.text == "0/3 points\nprocess_all([]) returned 1, expected 0"
    hung = cases[2].find("failure")
    assert hung.get("type") == "hung" and hung.get("message") == "hung after 10 s"
    skipped = cases[3].find("skipped")
    assert skipped.get("message") == "budget ran out"

    eq = suites["eq_103"].findall("testcase")
    assert eq[1].find("failure").get("type") == "crashed"
    assert eq[1].find("failure").get("message") == "crashed: 0/3 points"
    err = eq[2].find("error")
    assert (err.get("type"), err.get("message"), err.text) == \
        ("error", "fixture broke", "0/2 points\nfixture broke")

    broken = suites["broken_104"].findall("testcase")
    assert [c.get("name") for c in broken] == ["grading", "every item once", "empty input",
                                               "speedup", "clean exit"]
    assert broken[0].find("error").get("message") == "could not unzip: bad CRC"
    assert all(c.find("skipped").get("message") == "could not unzip: bad CRC"
               for c in broken[1:])


def test_junit_xml_survives_hostile_text(tmp_path):
    row = _row("evil_1", 'A & B <c> "d"\x00\x1b[1m', "canvas", {"user_id": "1"},
               tests=[_t("t<1>&\x00", 0, 1, "failed", "]]> \x00\x01\x1b[31m<tag>&amp;\ud800")])
    exports.write_junit_xml([row], ASSIGNMENT, tmp_path)
    root = ET.parse(tmp_path / "junit.xml").getroot()
    _check_schema(root)
    case = root.find("testsuite/testcase")
    assert case.get("name") == "t<1>&"
    assert case.find("failure").text == "0/1 points\n]]> <tag>&amp;"
    props = {p.get("name"): p.get("value") for p in root.find("testsuite/properties")}
    assert props["student_name"] == 'A & B <c> "d"'


# ------------------------------------------------------------------ write_all

def test_write_all_writes_every_file_and_collects_warnings(tmp_path):
    result = exports.write_all(rows(), ASSIGNMENT, tmp_path, canvas_assignment_id="4521")
    assert list(result) == [tmp_path / n for n in
                            ("grades.csv", "canvas.csv", "moodle.csv", "junit.xml")]
    assert all(p.is_file() for p in result)
    # the ungradable submission is reported once, not once per file
    assert sum("broken_104" in w for w in result.warnings) == 1
    assert any(w.startswith("canvas.csv:") for w in result.warnings)
    assert any(w.startswith("moodle.csv:") for w in result.warnings)


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=oct)
def test_write_all_writes_atomically_with_the_mode_open_would_give(tmp_path, umask, monkeypatch):
    (tmp_path / "grades.csv").write_text("an older batch's sheet")
    old = os.umask(umask)
    try:
        result = exports.write_all(rows(), ASSIGNMENT, tmp_path, canvas_assignment_id="4521")
        assert os.umask(umask) == umask                       # read, and put back
    finally:
        os.umask(old)
    assert {oct(p.stat().st_mode & 0o777) for p in result} == {oct(0o666 & ~umask)}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in result)  # no temp
    assert (tmp_path / "grades.csv").read_bytes().startswith(b"\xef\xbb\xbfstudent,")


def test_write_all_skips_lms_files_nobody_needs(tmp_path):
    plain = [r for r in rows() if r.student.source == "folder"]
    result = exports.write_all(plain, ASSIGNMENT, tmp_path)
    assert [p.name for p in result] == ["grades.csv", "junit.xml"]
    assert not (tmp_path / "canvas.csv").exists() and not (tmp_path / "moodle.csv").exists()
    assert result.warnings == []


def test_write_all_turns_a_bad_template_into_a_warning(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Score\n")
    result = exports.write_all(rows(), ASSIGNMENT, tmp_path / "out", canvas_template=bad)
    assert [p.name for p in result] == ["grades.csv", "moodle.csv", "junit.xml"]
    assert any(w.startswith("canvas.csv NOT written:") and "not a Canvas Gradebook export" in w
               for w in result.warnings)
