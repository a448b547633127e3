"""What a batch hands to people and to an LMS: grades.csv, canvas.csv, moodle.csv, junit.xml.

    write_all(rows, assignment, out_dir, *, canvas_template=None,
              canvas_assignment_id=None, moodle_template=None) -> ExportResult
    write_grades_csv / write_canvas_csv / write_moodle_csv / write_junit_xml
                                        one format each, same ExportResult

One module per format, its docstring says the format and where it was checked:

    grades_csv   grades.csv: the kit's own sheet, a row per submission, a column per test
    canvas       canvas.csv for Canvas's Gradebook import (minimal, or the instructor's
                 own Gradebook export filled in)
    moodle       moodle.csv for Moodle's grading worksheet upload (minimal, or a
                 downloaded worksheet filled in)
    junit        junit.xml for CI dashboards, as the Jenkins xUnit schema allows
and beside them:
    csvtokens    a template's CSV kept byte for byte, so only the cells we grade change
    templates    reading a template, matching its lines to submissions, the LMS's points
    common       ExportResult/ExportError, text made safe, the one way a file is written

ExportResult is a list of the paths written (so it *is* the ``list[Path]`` the batch
expects) with one more attribute, ``.warnings``: lines for the batch to print, each
saying what was left out and what to do about it. Rows with status "error" (the grader
could not grade them) are in grades.csv and junit.xml but get no LMS grade: an empty
cell would clear an existing grade in Canvas, so they are left out / left untouched and
named in one warning. Fatal problems (an unreadable template, an assignment id that is
not in the template) raise ExportError from the per-format functions; write_all turns
them into a "<file> NOT written: ..." warning and still writes the other files.

Every file is deterministic: rows sorted by student id, no timestamps except moodle.csv's
"Last modified (grade)" (which Moodle's upload needs). Each is written atomically
(files.atomic_write): a reader never sees half of one.

CSV injection (OWASP "CSV Injection"): a text cell (name, message, feedback) starting with
=, +, -, @, TAB or CR gets a leading apostrophe so a spreadsheet shows it as text; numbers
we write stay plain numbers.
"""
from __future__ import annotations

from pathlib import Path

from ..records import GradeRow
from .canvas import CANVAS_HEADER, CANVAS_POINTS, write_canvas_csv
from .common import (CANVAS_CSV, GRADES_CSV, JUNIT_XML, LIST_LIMIT, MOODLE_CSV, OUTPUT_LIMIT,
                     ExportError, ExportResult, cell, clean, num)
from .csvtokens import BOM
from .grades_csv import GRADES_FIELDS, write_grades_csv
from .junit import FAILED, write_junit_xml
from .moodle import MOODLE_HEADER, MOODLE_PARTICIPANT, feedback_html, feedback_text, write_moodle_csv

__all__ = [
    "write_all", "write_grades_csv", "write_canvas_csv", "write_moodle_csv", "write_junit_xml",
    "ExportResult", "ExportError", "clean", "cell", "num", "feedback_text", "feedback_html",
    "GRADES_CSV", "CANVAS_CSV", "MOODLE_CSV", "JUNIT_XML", "GRADES_FIELDS", "CANVAS_HEADER",
    "CANVAS_POINTS", "MOODLE_HEADER", "MOODLE_PARTICIPANT", "BOM", "FAILED", "LIST_LIMIT",
    "OUTPUT_LIMIT",
]


def write_all(rows: list[GradeRow], assignment, out_dir, *, canvas_template=None,
              canvas_assignment_id=None, moodle_template=None) -> ExportResult:
    """grades.csv and junit.xml always; canvas.csv when a submission came from Canvas (has
    a Canvas user id) or a Canvas template is given; moodle.csv likewise for Moodle. A
    format that cannot be written becomes a '<file> NOT written: ...' warning."""
    out_dir = Path(out_dir)
    result = ExportResult()
    result.extend_result(write_grades_csv(rows, assignment, out_dir))
    if canvas_template is not None or canvas_assignment_id or any(
            r.student.lms.get("user_id") for r in rows):
        try:
            result.extend_result(write_canvas_csv(rows, assignment, out_dir,
                                                  template=canvas_template,
                                                  assignment_id=canvas_assignment_id,
                                                  report_errors=False))
        except ExportError as exc:
            result.warnings.append(f"{CANVAS_CSV} NOT written: {exc}")
    if moodle_template is not None or any(r.student.lms.get("participant") for r in rows):
        try:
            result.extend_result(write_moodle_csv(rows, assignment, out_dir,
                                                  template=moodle_template,
                                                  report_errors=False))
        except ExportError as exc:
            result.warnings.append(f"{MOODLE_CSV} NOT written: {exc}")
    result.extend_result(write_junit_xml(rows, assignment, out_dir))
    return result
