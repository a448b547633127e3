"""canvas.csv, for Canvas's Gradebook > Import.

Format checked against Canvas's own code (instructure/canvas-lms,
app/models/gradebook_importer.rb and gradebook_exporter.rb) and the Canvas guide
"How do I import grades in the Gradebook?":
- header: row[0] contains "Student", row[1] contains "ID"; with "SIS User ID" and
  "SIS Login ID" in columns 3-4 the fifth column must contain "Section"; every later
  column is an assignment, named "<title> (<assignment id>)" (Assignment#title_with_id).
- a row whose first cell contains "Points Possible" sets the points of the columns.
- students are found by ID (the Canvas user id: the number in the file names of the
  "Download Submissions" zip), then by SIS User ID / SIS Login ID, then by name.
- a column whose header carries no known id and whose title is no existing
  assignment's title becomes a NEW assignment (parse_assignments: Assignment.new);
  the Points Possible row gives its points. Careful: a bare title that equals an
  existing assignment's title updates that assignment instead, and in a course with
  a closed grading period only an admin may create assignments this way
  (prevent_new_assignment_creation?).
- an empty cell over an existing score clears it, so rows we cannot grade are left
  out (minimal file) or left untouched (template), never written empty.

Without a template we write the minimal form: Student, ID, SIS User ID, SIS Login ID,
Section, one assignment column. With canvas_assignment_id the column is
"<title> (<id>)" and there is no Points Possible row (the import must not change an
existing assignment's points); without it the column is the bare title plus a Points
Possible row, and Canvas offers to create a new assignment. Students without a Canvas
user id (plain folders) cannot be imported: they are listed in a warning, no id is
invented. With canvas_template (the instructor's own Gradebook export) only the
assignment's cells of matched students change; every other byte stays as it was.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..records import GradeRow
from .common import (CANVAS_CSV, ExportError, ExportResult, cell, clean, csv_text, digits,
                     duplicates, names, num, sorted_rows, split_ungradable, who, write)
from .csvtokens import RawCsv
from .templates import match, norm, read_template, scale_note, to_float, unplaced

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS = "    Points Possible"        # as Canvas's own export writes it

_TITLE_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z", re.S)     # Assignment.title_and_id
_NOT_A_STUDENT = re.compile(r"\s*(Muted|Manual Posting.*)?\s*", re.I)   # Canvas's flag rows


def write_canvas_csv(rows: list[GradeRow], assignment, out_dir, *, template=None,
                     assignment_id=None, report_errors: bool = True) -> ExportResult:
    """canvas.csv for Canvas Gradebook > Import (see the module doc for the format).
    report_errors=False leaves out the warning about ungradable submissions (write_all
    says it once for every file)."""
    assignment_id = _canvas_id(assignment_id, "assignment id")
    rows = sorted_rows(rows)
    graded, warnings = split_ungradable(rows, CANVAS_CSV, "Canvas", report_errors)
    path = Path(out_dir) / CANVAS_CSV
    if template is not None:
        text = _fill_template(rows, assignment, template, assignment_id, warnings)
        write(path, text, bom=False)
    else:
        write(path, csv_text(_minimal(graded, assignment, assignment_id, warnings)), bom=True)
    return ExportResult([path], warnings)


def _canvas_id(value, what: str) -> str:
    value = "" if value is None else str(value).strip()
    if value and not value.isdigit():
        raise ExportError(f"the Canvas {what} must be a number (the one in the assignment's "
                          f"URL .../assignments/<id>), got {value!r}")
    return value


# ------------------------------------------------------------------ the minimal form

def _minimal(graded: list[GradeRow], assignment, assignment_id: str,
             warnings: list[str]) -> list[list]:
    """The records of the minimal form: header, Points Possible without an id, a student
    per graded row that has a Canvas user id of its own."""
    with_id = _with_user_id(graded, warnings)
    column = f"{clean(assignment.title)} ({assignment_id})" if assignment_id \
        else clean(assignment.title)
    records: list[list] = [CANVAS_HEADER + [column]]
    if not assignment_id:
        records.append([CANVAS_POINTS, "", "", "", "", num(assignment.points)])
        warnings.append(f"canvas.csv: no Canvas assignment id given, so the column is named "
                        f"'{column}': on import Canvas creates a NEW assignment of that name "
                        "(or updates an existing one with exactly that title). Pass the id "
                        "(the number in the assignment's URL) to grade an existing one.")
    for row, uid in with_id:
        records.append([cell(row.student.name or row.student.id), uid, "", "", "",
                        num(row.score)])
    return records


def _with_user_id(graded: list[GradeRow], warnings: list[str]) -> list[tuple[GradeRow, str]]:
    """(row, Canvas user id) of the rows Canvas can import; a warning for the others
    (anonymous grading, no id, an id two submissions share)."""
    with_id, without = [], []
    for row in graded:
        uid = digits(row.student.lms.get("user_id", ""))
        (with_id if uid else without).append((row, uid))
    anonymous = [r for r, _ in without if r.student.lms.get("anonymous_id")]
    if anonymous:
        warnings.append(
            f"canvas.csv: {len(anonymous)} submission(s) were downloaded under Canvas's "
            "anonymous grading, which hides the Canvas user id, and are NOT in canvas.csv: "
            f"{names([who(r) for r in anonymous])}. Enter their grades in SpeedGrader, or "
            "download the submissions again once Canvas shows the names.")
        without = [(r, u) for r, u in without if not r.student.lms.get("anonymous_id")]
    if without:
        warnings.append(
            f"canvas.csv: {len(without)} graded submission(s) have no Canvas user id (they "
            "did not come from a Canvas 'Download Submissions' zip) and are NOT in "
            f"canvas.csv: {names([who(r) for r, _ in without])}. Enter their grades by "
            "hand, or pass your Gradebook export as template to match them by login/name.")
    dup = duplicates(uid for _, uid in with_id)
    if dup:
        warnings.append(f"canvas.csv: Canvas user id(s) {', '.join(sorted(dup))} belong to "
                        "more than one submission; those students are left out, grade them "
                        "by hand: " + names([who(r) for r, u in with_id if u in dup]))
        with_id = [(r, u) for r, u in with_id if u not in dup]
    return with_id


# ------------------------------------------------------------------ the template

def _fill_template(rows: list[GradeRow], assignment, template, assignment_id: str,
                   warnings: list[str]) -> str:
    """The instructor's Gradebook export with this assignment's cells of matched, graded
    students filled in (a new column when it has none); every other byte as it was."""
    raw = read_template(template, "Canvas")
    header = raw.values(0)
    section, id_cols = _student_columns(header, template)
    col = _assignment_column(header, section, assignment, assignment_id, template)
    pp_line = next((i for i in range(1, len(raw.records))
                    if "Points Possible" in raw.value(i, 0)), None)
    if col is None:
        col = _add_column(raw, assignment, pp_line, warnings)
    scale = _scale(raw, rows, assignment, header, col, pp_line, warnings)
    students = [i for i in range(1, len(raw.records))
                if i != pp_line and raw.records[i][0] != [""]
                and not all(_NOT_A_STUDENT.fullmatch(v) for v in raw.values(i))]
    matched = _match_students(raw, rows, students, id_cols, warnings)
    for line, row in matched.items():
        if row.status == "graded":
            raw.set(line, col, num(row.score * scale))
    _report_left_over(raw, rows, students, matched, warnings)
    return raw.text()


def _student_columns(header: list[str], template) -> tuple[int, list[int]]:
    """The Section column, and the SIS Login ID / SIS User ID columns before it."""
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise ExportError(f"{template} is not a Canvas Gradebook export: its first row must "
                          "start with Student, ID (Grades > Export > Export Entire Gradebook)")
    section = next((i for i, h in enumerate(header) if "Section" in h), None)
    if section is None:
        raise ExportError(f"{template} has no Section column: not a Canvas Gradebook export")
    id_cols = [next((i for i, h in enumerate(header[:section]) if name in h), None)
               for name in ("SIS Login ID", "SIS User ID")]
    return section, [c for c in id_cols if c is not None]


def _assignment_column(header: list[str], section: int, assignment, assignment_id: str,
                       template) -> int | None:
    """The assignment's column: the one with `assignment_id` (the last, as Canvas reads
    them), else the one with its title; None when there is none."""
    later = list(enumerate(header[section + 1:], section + 1))
    if assignment_id:
        cols = [i for i, h in later if _title_id(h)[1] == assignment_id]
        if not cols:
            raise ExportError(f"the Canvas template {template} has no column for assignment "
                              f"id {assignment_id}. Check the id (the number in the "
                              "assignment's URL) or export the Gradebook again.")
        return cols[-1]
    title = norm(assignment.title)
    hits = [i for i, h in later if norm(_title_id(h)[0]) == title]
    if len(hits) > 1:
        raise ExportError(f"the Canvas template has {len(hits)} columns titled "
                          f"'{assignment.title}': pass the Canvas assignment id to pick one")
    return hits[0] if hits else None


def _title_id(header: str) -> tuple[str, str | None]:
    """'Warm-up (4400)' -> ('Warm-up', '4400'); a header without an id -> (header, None)."""
    m = _TITLE_ID.match(header)
    return (m.group(1), m.group(2)) if m else (header, None)


def _add_column(raw: RawCsv, assignment, pp_line: int | None, warnings: list[str]) -> int:
    """A new last column for the assignment (Canvas imports it as a new assignment)."""
    col = max(len(f) for f, _ in raw.records)
    for fields, _ in raw.records:
        if fields == [""]:
            continue                                   # a blank line stays blank
        fields.extend([""] * (col - len(fields)))
        fields.append("")
    raw.set(0, col, clean(assignment.title))
    if pp_line is not None:
        raw.set(pp_line, col, num(assignment.points))
    warnings.append(f"canvas.csv: the template has no '{assignment.title}' column; it was "
                    "added at the end and Canvas will create a NEW assignment on import"
                    + ("" if pp_line is not None else
                       " (the template has no Points Possible row: set the new "
                       f"assignment's points to {num(assignment.points)} in Canvas)")
                    + ". Pass the Canvas assignment id to grade an existing one instead.")
    return col


def _scale(raw: RawCsv, rows: list[GradeRow], assignment, header: list[str], col: int,
           pp_line: int | None, warnings: list[str]) -> float:
    """Canvas's points over the kit's (1.0 when they agree or Canvas gives none)."""
    if pp_line is None:
        return 1.0
    pp_text = raw.value(pp_line, col)
    if re.search(r"read\s+only", pp_text):
        raise ExportError(f"column '{header[col] if col < len(header) else ''}' is read "
                          "only in Canvas; pick an assignment column")
    lms_max = to_float(pp_text)
    if not (lms_max and assignment.points and abs(lms_max - assignment.points) > 1e-9):
        return 1.0
    graded = [r for r in rows if r.status == "graded"]
    warnings.append("canvas.csv: " + scale_note("Canvas", lms_max, assignment.points,
                                                 graded[0] if graded else None))
    return lms_max / assignment.points


def _match_students(raw: RawCsv, rows: list[GradeRow], students: list[int],
                    id_cols: list[int], warnings: list[str]) -> dict[int, GradeRow]:
    """Template line -> row: by Canvas user id, then by name, login or SIS id."""
    matched, by_name = match(
        rows, students, {i: digits(raw.value(i, 1)) for i in students},
        lambda r: digits(r.student.lms.get("user_id", "")),
        {i: [raw.value(i, 0)] + [raw.value(i, c) for c in id_cols] for i in students})
    for row, line, how in by_name:
        warnings.append(f"canvas.csv: {who(row)} matched by name/login '{how}' to template "
                        f"student '{raw.value(line, 0)}' (no Canvas user id to match) - check it.")
    return matched


def _report_left_over(raw: RawCsv, rows: list[GradeRow], students: list[int],
                      matched: dict[int, GradeRow], warnings: list[str]) -> None:
    missing = unplaced(rows, matched)
    if missing:
        warnings.append(f"canvas.csv: {len(missing)} graded submission(s) match no student of "
                        "the template and are NOT in canvas.csv: "
                        f"{names([who(r) for r in missing])}. "
                        "Are they enrolled? Enter their grades by hand.")
    idle = [raw.value(i, 0) or raw.value(i, 1) for i in students if i not in matched]
    if idle:
        warnings.append(f"canvas.csv: {len(idle)} student(s) of the template have no graded "
                        f"submission; their cell was left as it was: {names(idle)}")
