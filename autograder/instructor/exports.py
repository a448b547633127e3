"""What a batch hands to people and to an LMS: grades.csv, canvas.csv, moodle.csv, junit.xml.

    write_all(rows, assignment, out_dir, *, canvas_template=None,
              canvas_assignment_id=None, moodle_template=None) -> ExportResult
    write_grades_csv / write_canvas_csv / write_moodle_csv / write_junit_xml
                                        one format each, same ExportResult

ExportResult is a list of the paths written (so it *is* the ``list[Path]`` the batch
expects) with one more attribute, ``.warnings``: lines for the batch to print, each
saying what was left out and what to do about it. Rows with status "error" (the grader
could not grade them) are in grades.csv and junit.xml but get no LMS grade: an empty
cell would clear an existing grade in Canvas, so they are left out / left untouched and
named in one warning. Fatal problems (an unreadable
template, an assignment id that is not in the template) raise ExportError from the
per-format functions; write_all turns them into a "<file> NOT written: ..." warning and
still writes the other files.

Every file is deterministic: rows sorted by student id, no timestamps except moodle.csv's
"Last modified (grade)" (which Moodle's upload needs, see below).

grades.csv
    The kit's own sheet: one row per submission, then one column per graded test (points
    earned, in the manifest's test order). UTF-8 *with* a byte-order mark: Excel opens a
    BOM-less UTF-8 CSV in the legacy ANSI code page ("ZoÃ«"), with the BOM it reads UTF-8;
    LibreOffice, Google Sheets and Python's csv (encoding="utf-8-sig") all accept it.

canvas.csv  (Gradebook > Import)
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

moodle.csv  (Assignment > View all submissions > Grading action > Upload grading worksheet)
    Format checked against Moodle's code (mod/assign/feedback/offline/importgradeslib.php,
    locallib.php, lib/csvlib.class.php, mod/assign/lang/en/assign.php):
    - the upload needs the columns "Identifier", "Grade" and "Last modified (grade)"
      (exact English strings; a Moodle shown in another language expects its own
      translations: use a downloaded worksheet as template then). "Feedback comments" is
      read when the Feedback comments plugin is enabled, and is stored as HTML.
    - Identifier is "Participant <n>", n = the number in the "Download all submissions"
      folder names (get_uniqueid_for_user).
    - a grade is skipped when empty, negative, above the assignment's maximum, unchanged,
      or when Moodle's grade was modified more than 60 s after "Last modified (grade)"
      (unless "Allow updating records that have been modified more recently in Moodle than
      in the spreadsheet" is ticked).
    - every row must have as many cells as the header ("csvweirdcolumns"); a UTF-8 BOM is
      stripped.
    Minimal form: the ten columns of Moodle's own worksheet (Identifier, Full name, Email
    address, Status, Grade, Maximum Grade, Grade can be changed, Last modified
    (submission), Last modified (grade), Feedback comments), "Last modified (grade)" = the
    time this file was written, as ISO 8601 with a UTC offset (2026-11-25T23:30:05+00:00;
    php.net "Supported Date and Time Formats": strtotime reads it in any server time
    zone). Email address and Status stay empty (the upload ignores them). With
    moodle_template (a downloaded worksheet) only Grade and Feedback comments of matched
    students change.

junit.xml
    One <testsuite> per student inside <testsuites>, checked against the JUnit schema the
    Jenkins xUnit plugin validates with (jenkinsci/xunit-plugin, .../model/xsd/
    junit-10.xsd): testsuite needs name, tests, failures, errors (skipped, time optional;
    time matches SUREFIRE_TIME, i.e. plain decimals); testcase needs name; failure, error,
    skipped take message and type; properties hold property(name, value); testsuites takes
    only name, time, tests, failures, errors. Text is stripped of characters XML 1.0
    forbids (NUL, ESC, lone surrogates...) and of terminal colour codes.

CSV injection (OWASP "CSV Injection"): a text cell (name, message, feedback) starting with
=, +, -, @, TAB or CR gets a leading apostrophe so a spreadsheet shows it as text; numbers
we write stay plain numbers.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import html
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from collections.abc import Iterable

from ..reports import STATUS_LABEL
from .records import GradeRow

GRADES_CSV = "grades.csv"
CANVAS_CSV = "canvas.csv"
MOODLE_CSV = "moodle.csv"
JUNIT_XML = "junit.xml"

BOM = "\ufeff"
FAILED = ("failed", "hung", "crashed")
LIST_LIMIT = 30          # names listed in one warning before "... and N more"
OUTPUT_LIMIT = 4000      # characters of one test's feedback in Moodle's comments / JUnit

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS = "    Points Possible"        # as Canvas's own export writes it
MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade",
                 "Maximum Grade", "Grade can be changed", "Last modified (submission)",
                 "Last modified (grade)", "Feedback comments"]
MOODLE_PARTICIPANT = "Participant "          # get_string('hiddenuser', 'assign')


class ExportError(Exception):
    """A file cannot be written as asked (bad template, unknown assignment id...)."""


class ExportResult(list):
    """The paths written (a plain list of Path) plus .warnings for the batch to print."""

    def __init__(self, paths: Iterable[Path] = (), warnings: Iterable[str] = ()):
        super().__init__(paths)
        self.warnings: list[str] = list(warnings)

    def extend_result(self, other: ExportResult) -> None:
        self.extend(other)
        self.warnings.extend(other.warnings)

    @property
    def paths(self) -> list[Path]:
        return list(self)


# ------------------------------------------------------------------ text hygiene

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
# Everything XML 1.0 forbids (Char production), C1 controls and DEL too: they are never
# meant for a gradebook and some viewers render them as boxes.
_ILLEGAL = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text) -> str:
    """Text safe for CSV and XML 1.0: no colour codes, no control characters, \\n newlines."""
    text = "" if text is None else str(text)
    text = _ANSI.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL.sub("", text)


def cell(text) -> str:
    """A text cell for a spreadsheet: clean, and never read as a formula (OWASP)."""
    text = clean(text)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def num(x: float) -> str:
    """A score as Canvas/Moodle/Excel read it: at most two decimals, no trailing zeros."""
    text = f"{round(float(x), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _names(items: list[str]) -> str:
    shown = items[:LIST_LIMIT]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" ... and {more} more" if more > 0 else "")


def _sorted(rows: Iterable[GradeRow]) -> list[GradeRow]:
    return sorted(rows, key=lambda r: (r.student.id.casefold(), r.student.id))


def _who(row: GradeRow) -> str:
    s = row.student
    return s.id if s.name in ("", s.id) else f"{s.id} ({s.name})"


def _digits(value) -> str:
    """The numeric id in value ("123", " 123 ", "Participant 123") or ''."""
    m = re.fullmatch(r"\s*(?:[A-Za-z ]*?)\s*(\d+)\s*", str(value or ""))
    return m.group(1) if m else ""


def _write_text(path: Path, text: str, *, bom: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write((BOM if bom else "") + text)


def _csv_text(records: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(records)
    return buf.getvalue()


# ------------------------------------------------------------------ grades.csv

def _test_columns(rows: list[GradeRow]) -> list[tuple[str, str]]:
    """(key, header) per graded test, manifest order: the longest test list first, then
    anything only other rows have. key is the nodeid (or name); header is the name."""
    order: list[str] = []
    label: dict[str, tuple[str, float]] = {}
    for row in sorted(rows, key=lambda r: -len(r.tests)):
        for t in row.tests:
            key = t.get("nodeid") or t.get("name", "")
            if key not in label:
                order.append(key)
                label[key] = (t.get("name") or key, float(t.get("max_score", 0) or 0))
    names = [label[k][0] for k in order]
    out = []
    for key in order:
        name, mx = label[key]
        shown = name if names.count(name) == 1 else key
        out.append((key, f"{shown} ({num(mx)} pts)"))
    return out


GRADES_FIELDS = ["student", "name", "score", "max_score", "percent", "status", "message",
                 "duration_s", "source", "canvas_user_id", "canvas_submission_id",
                 "canvas_late", "moodle_participant"]


def write_grades_csv(rows: list[GradeRow], assignment, out_dir) -> ExportResult:
    """grades.csv: one row per submission, one column per graded test (see module doc)."""
    rows = _sorted(rows)
    columns = _test_columns(rows)
    records: list[list] = [GRADES_FIELDS + [header for _, header in columns]]
    for row in rows:
        s, lms = row.student, row.student.lms
        by_key = {(t.get("nodeid") or t.get("name", "")): t for t in row.tests}
        record = [cell(s.id), cell(s.name), num(row.score), num(row.max_score),
                  f"{row.percent:.1f}", cell(row.status), cell(row.message),
                  f"{row.duration:.1f}", cell(s.source), cell(lms.get("user_id", "")),
                  cell(lms.get("submission_id", "")),
                  "yes" if lms.get("late") else "", cell(lms.get("participant", ""))]
        for key, _ in columns:
            t = by_key.get(key)
            record.append(num(t.get("score", 0) or 0) if t is not None else "")
        records.append(record)
    path = Path(out_dir) / GRADES_CSV
    _write_text(path, _csv_text(records), bom=True)
    warnings = []
    errors = [_who(r) for r in rows if r.status != "graded"]
    if errors:
        warnings.append(f"{len(errors)} submission(s) could not be graded (status 'error' in "
                        f"{GRADES_CSV}; canvas.csv and moodle.csv leave their grade alone): "
                        f"{_names(errors)}. Read their message column, fix the cause and "
                        "grade again, or grade by hand.")
    return ExportResult([path], warnings)


# ------------------------------------------------------------------ raw CSV (templates)

@dataclasses.dataclass
class _RawCsv:
    """A CSV file kept byte for byte: each record is its raw fields (quotes included)
    and the line ending that followed it, so untouched cells are written back unchanged."""
    bom: bool
    delim: str
    records: list[tuple[list[str], str]]

    def value(self, r: int, c: int) -> str:
        fields = self.records[r][0]
        return _unquote(fields[c]) if c < len(fields) else ""

    def values(self, r: int) -> list[str]:
        return [_unquote(f) for f in self.records[r][0]]

    def set(self, r: int, c: int, value: str) -> None:
        fields = self.records[r][0]
        fields.extend([""] * (c + 1 - len(fields)))
        fields[c] = _quote(value, self.delim)

    def text(self) -> str:
        return (BOM if self.bom else "") + "".join(
            self.delim.join(fields) + end for fields, end in self.records)


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
        return raw[1:-1].replace('""', '"')
    return raw


def _quote(value: str, delim: str) -> str:
    if any(ch in value for ch in (delim, '"', "\n", "\r")) or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def _split_raw(text: str, delim: str) -> list[tuple[list[str], str]]:
    records: list[tuple[list[str], str]] = []
    fields: list[str] = []
    start = i = 0
    n = len(text)
    quoted = False
    while i < n:
        ch = text[i]
        if quoted:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                quoted = False
            i += 1
        elif ch == '"':
            quoted = True
            i += 1
        elif ch == delim:
            fields.append(text[start:i])
            i += 1
            start = i
        elif ch in "\r\n":
            end = "\r\n" if text.startswith("\r\n", i) else ch
            fields.append(text[start:i])
            records.append((fields, end))
            fields = []
            i += len(end)
            start = i
        else:
            i += 1
    if quoted:
        raise ExportError("a quoted cell is never closed (the file ends inside quotes)")
    if start < n or fields:
        fields.append(text[start:])
        records.append((fields, ""))
    return records


def _read_template(path, what: str) -> _RawCsv:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read the {what} template {path}: {exc.strerror or exc}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError(f"the {what} template {path} is not UTF-8 text. Download it again "
                          f"from {what}, or in Excel use Save As > 'CSV UTF-8'.") from None
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    # Canvas writes ';' for comma-decimal locales; pick the separator that gives the
    # same, larger cell count on the first lines (Canvas's own identify_delimiter rule).
    best = ","
    counts = {}
    for delim in (",", ";"):
        try:
            recs = _split_raw(text, delim)[:3]
        except ExportError:
            continue
        sizes = {len(f) for f, _ in recs}
        counts[delim] = sizes.pop() if len(sizes) == 1 else 0
    if counts.get(";", 0) > counts.get(",", 0):
        best = ";"
    try:
        records = _split_raw(text, best)
    except ExportError as exc:
        raise ExportError(f"the {what} template {path} is not valid CSV: {exc}") from None
    if not records:
        raise ExportError(f"the {what} template {path} is empty")
    return _RawCsv(bom, best, records)


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _name_forms(name: str) -> set[str]:
    """'Lovelace, Ada' and 'Ada Lovelace' are the same person to a gradebook."""
    forms = {_norm(name)}
    if "," in name:
        last, _, first = name.partition(",")
        forms.add(_norm(f"{first} {last}"))
    return forms - {""}


def _match(rows: list[GradeRow], lines: list[int], ids: dict[int, str], id_of_row,
           texts: dict[int, list[str]]) -> tuple[dict[int, GradeRow], list[tuple[GradeRow, int, str]]]:
    """Template line -> row. First by LMS id (unique on both sides); then, for rows still
    without a line, by name/login/email: only when exactly one free line and exactly one
    unplaced row share it. Returns (matched, [(row, line, shared text)] of the name matches)."""
    by_id: dict[str, list[int]] = {}
    for line in lines:
        if ids.get(line):
            by_id.setdefault(ids[line], []).append(line)
    matched: dict[int, GradeRow] = {}
    rest: list[GradeRow] = []
    for row in rows:
        hits = by_id.get(id_of_row(row) or "\0", [])
        if len(hits) == 1 and hits[0] not in matched:
            matched[hits[0]] = row
        else:
            rest.append(row)
    forms = {line: set().union(*(_name_forms(t) for t in texts.get(line, [])))
             for line in lines if line not in matched}
    keys = {id(r): _name_forms(r.student.name) | _name_forms(r.student.id) for r in rest}
    by_name = []
    for row in rest:
        hits = [line for line, f in forms.items() if f & keys[id(row)]]
        if len(hits) != 1:
            continue
        rivals = [r for r in rest if keys[id(r)] & forms[hits[0]]]
        if len(rivals) == 1:
            by_name.append((row, hits[0], ", ".join(sorted(forms[hits[0]] & keys[id(row)]))))
    for row, line, _ in by_name:
        matched[line] = row
    return matched, by_name


def _scale_note(lms: str, lms_max: float, kit_max: float, example: GradeRow | None) -> str:
    text = (f"{lms} says the assignment is worth {num(lms_max)} points, the kit grades out "
            f"of {num(kit_max)}: scores were scaled to {num(lms_max)}")
    if example is not None:
        text += (f" (e.g. {num(example.score)}/{num(kit_max)} -> "
                 f"{num(example.score * lms_max / kit_max)})")
    return text + f". {GRADES_CSV} keeps the kit's points. Change the {lms} points instead " \
                  "if you want the kit's scale."


def _to_float(text: str) -> float | None:
    text = str(text).strip()
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


# ------------------------------------------------------------------ canvas.csv

def _canvas_id(value, what: str) -> str:
    value = "" if value is None else str(value).strip()
    if value and not value.isdigit():
        raise ExportError(f"the Canvas {what} must be a number (the one in the assignment's "
                          f"URL .../assignments/<id>), got {value!r}")
    return value


def _split_ungradable(rows: list[GradeRow], filename: str, lms: str,
                      report: bool) -> tuple[list[GradeRow], list[str]]:
    """The graded rows, and the warning (if `report`) naming those the LMS gets no grade for."""
    errors = [r for r in rows if r.status != "graded"]
    warnings = []
    if errors and report:
        warnings.append(f"{filename}: {len(errors)} submission(s) could not be graded and get "
                        f"no {lms} grade (grade them by hand): "
                        + _names([_who(r) for r in errors]))
    return [r for r in rows if r.status == "graded"], warnings


def write_canvas_csv(rows: list[GradeRow], assignment, out_dir, *, template=None,
                     assignment_id=None, report_errors: bool = True) -> ExportResult:
    """canvas.csv for Canvas Gradebook > Import (see the module doc for the format).
    report_errors=False leaves out the warning about ungradable submissions (write_all
    says it once for every file)."""
    assignment_id = _canvas_id(assignment_id, "assignment id")
    rows = _sorted(rows)
    graded, warnings = _split_ungradable(rows, CANVAS_CSV, "Canvas", report_errors)
    path = Path(out_dir) / CANVAS_CSV
    if template is not None:
        text = _fill_canvas_template(rows, assignment, template, assignment_id, warnings)
        _write_text(path, text, bom=False)
        return ExportResult([path], warnings)

    with_id, without = [], []
    for row in graded:
        uid = _digits(row.student.lms.get("user_id", ""))
        (with_id if uid else without).append((row, uid))
    anonymous = [r for r, _ in without if r.student.lms.get("anonymous_id")]
    if anonymous:
        warnings.append(
            f"canvas.csv: {len(anonymous)} submission(s) were downloaded under Canvas's "
            "anonymous grading, which hides the Canvas user id, and are NOT in canvas.csv: "
            f"{_names([_who(r) for r in anonymous])}. Enter their grades in SpeedGrader, or "
            "download the submissions again once Canvas shows the names.")
        without = [(r, u) for r, u in without if not r.student.lms.get("anonymous_id")]
    if without:
        warnings.append(
            f"canvas.csv: {len(without)} graded submission(s) have no Canvas user id (they "
            "did not come from a Canvas 'Download Submissions' zip) and are NOT in "
            f"canvas.csv: {_names([_who(r) for r, _ in without])}. Enter their grades by "
            "hand, or pass your Gradebook export as template to match them by login/name.")
    dup = _duplicates(uid for _, uid in with_id)
    if dup:
        warnings.append(f"canvas.csv: Canvas user id(s) {', '.join(sorted(dup))} belong to "
                        "more than one submission; those students are left out, grade them "
                        "by hand: " + _names([_who(r) for r, u in with_id if u in dup]))
        with_id = [(r, u) for r, u in with_id if u not in dup]
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
    _write_text(path, _csv_text(records), bom=True)
    return ExportResult([path], warnings)


def _duplicates(values: Iterable[str]) -> set[str]:
    seen, dup = set(), set()
    for v in values:
        (dup if v in seen else seen).add(v)
    return dup


_TITLE_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z", re.S)     # Assignment.title_and_id


def _fill_canvas_template(rows: list[GradeRow], assignment, template, assignment_id: str,
                          warnings: list[str]) -> str:
    raw = _read_template(template, "Canvas")
    header = raw.values(0)
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise ExportError(f"{template} is not a Canvas Gradebook export: its first row must "
                          "start with Student, ID (Grades > Export > Export Entire Gradebook)")
    try:
        section = next(i for i, h in enumerate(header) if "Section" in h)
    except StopIteration:
        raise ExportError(f"{template} has no Section column: not a Canvas Gradebook export")
    login_col = next((i for i, h in enumerate(header[:section]) if "SIS Login ID" in h), None)
    sis_col = next((i for i, h in enumerate(header[:section]) if "SIS User ID" in h), None)

    col = None
    if assignment_id:
        for i, h in enumerate(header[section + 1:], section + 1):
            m = _TITLE_ID.match(h)
            if m and m.group(2) == assignment_id:
                col = i
        if col is None:
            raise ExportError(f"the Canvas template {template} has no column for assignment "
                              f"id {assignment_id}. Check the id (the number in the "
                              "assignment's URL) or export the Gradebook again.")
    else:
        title = _norm(assignment.title)
        hits = [i for i, h in enumerate(header[section + 1:], section + 1)
                if _norm(_TITLE_ID.match(h).group(1) if _TITLE_ID.match(h) else h) == title]
        if len(hits) > 1:
            raise ExportError(f"the Canvas template has {len(hits)} columns titled "
                              f"'{assignment.title}': pass the Canvas assignment id to pick one")
        col = hits[0] if hits else None

    pp_line = next((i for i in range(1, len(raw.records))
                    if "Points Possible" in raw.value(i, 0)), None)
    if col is None:
        # Not in the gradebook yet: a new column, which Canvas imports as a new assignment.
        col = max(len(f) for f, _ in raw.records)
        for i, (fields, _) in enumerate(raw.records):
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

    scale = 1.0
    if pp_line is not None:
        pp_text = raw.value(pp_line, col)
        if re.search(r"read\s+only", pp_text):
            raise ExportError(f"column '{header[col] if col < len(header) else ''}' is read "
                              "only in Canvas; pick an assignment column")
        lms_max = _to_float(pp_text)
        if lms_max and assignment.points and abs(lms_max - assignment.points) > 1e-9:
            scale = lms_max / assignment.points
            graded = [r for r in rows if r.status == "graded"]
            warnings.append("canvas.csv: " + _scale_note("Canvas", lms_max, assignment.points,
                                                          graded[0] if graded else None))

    students = [i for i in range(1, len(raw.records))
                if i != pp_line and raw.records[i][0] != [""]
                and not all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", v, re.I)
                            for v in raw.values(i))]
    matched, by_name = _match(
        rows, students, {i: _digits(raw.value(i, 1)) for i in students},
        lambda r: _digits(r.student.lms.get("user_id", "")),
        {i: [raw.value(i, 0)] + [raw.value(i, c) for c in (login_col, sis_col) if c is not None]
         for i in students})
    for row, line, how in by_name:
        warnings.append(f"canvas.csv: {_who(row)} matched by name/login '{how}' to template "
                        f"student '{raw.value(line, 0)}' (no Canvas user id to match) - check it.")
    for line, row in matched.items():
        if row.status == "graded":
            raw.set(line, col, num(row.score * scale))
    placed = {id(r) for r in matched.values()}
    missing = [r for r in rows if id(r) not in placed and r.status == "graded"]
    if missing:
        warnings.append(f"canvas.csv: {len(missing)} graded submission(s) match no student of "
                        "the template and are NOT in canvas.csv: "
                        f"{_names([_who(r) for r in missing])}. "
                        "Are they enrolled? Enter their grades by hand.")
    idle = [raw.value(i, 0) or raw.value(i, 1) for i in students if i not in matched]
    if idle:
        warnings.append(f"canvas.csv: {len(idle)} student(s) of the template have no graded "
                        f"submission; their cell was left as it was: {_names(idle)}")
    return raw.text()


# ------------------------------------------------------------------ moodle.csv

def feedback_text(row: GradeRow) -> str:
    """Plain-text feedback for one submission: the summary, then one line per test with
    its points, and the feedback of tests that did not pass."""
    lines = [clean(row.message) or f"{num(row.score)}/{num(row.max_score)} points"]
    for t in row.tests:
        status = t.get("status", "")
        label = STATUS_LABEL.get(status, status.upper() or "?")
        lines.append(f"{label} {num(t.get('score', 0) or 0)}/"
                     f"{num(t.get('max_score', 0) or 0)} {clean(t.get('name', ''))}")
        output = clean(t.get("output", "")).strip("\n")
        if status != "passed" and output:
            if len(output) > OUTPUT_LIMIT:
                output = output[:OUTPUT_LIMIT] + "\n... (cut)"
            lines.extend("    " + part for part in output.split("\n"))
    return "\n".join(lines)


def feedback_html(row: GradeRow) -> str:
    """Moodle stores Feedback comments as HTML: escape, keep the line breaks."""
    body = "<br>\n".join(html.escape(line, quote=True) for line in feedback_text(row).split("\n"))
    return f"<p>{body}</p>"


def _moodle_time(when: _dt.datetime | None) -> str:
    when = when or _dt.datetime.now(_dt.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.replace(microsecond=0).isoformat()


def write_moodle_csv(rows: list[GradeRow], assignment, out_dir, *, template=None,
                     now: _dt.datetime | None = None,
                     report_errors: bool = True) -> ExportResult:
    """moodle.csv for Moodle's Upload grading worksheet (see the module doc). now: the
    "Last modified (grade)" of the minimal form (default: the current time)."""
    rows = _sorted(rows)
    graded, warnings = _split_ungradable(rows, MOODLE_CSV, "Moodle", report_errors)
    path = Path(out_dir) / MOODLE_CSV
    if template is not None:
        text = _fill_moodle_template(rows, assignment, template, warnings)
        _write_text(path, text, bom=False)
        return ExportResult([path], warnings)

    with_id, without = [], []
    for row in graded:
        pid = _digits(row.student.lms.get("participant", ""))
        (with_id if pid else without).append((row, pid))
    if without:
        warnings.append(
            f"moodle.csv: {len(without)} graded submission(s) have no Moodle participant "
            "number (they did not come from a Moodle 'Download all submissions' zip) and "
            f"are NOT in moodle.csv: {_names([_who(r) for r, _ in without])}. Enter their "
            "grades by hand, or pass a downloaded grading worksheet as template to match "
            "them by name/email.")
    dup = _duplicates(p for _, p in with_id)
    if dup:
        warnings.append(f"moodle.csv: participant number(s) {', '.join(sorted(dup))} belong to "
                        "more than one submission; those are left out, grade them by hand: "
                        + _names([_who(r) for r, p in with_id if p in dup]))
        with_id = [(r, p) for r, p in with_id if p not in dup]
    stamp = _moodle_time(now)
    records: list[list] = [list(MOODLE_HEADER)]
    for row, pid in with_id:
        records.append([MOODLE_PARTICIPANT + pid, cell(row.student.name or row.student.id), "",
                        "", num(row.score), num(row.max_score), "Yes", "", stamp,
                        feedback_html(row)])
    _write_text(path, _csv_text(records), bom=True)
    return ExportResult([path], warnings)


def _fill_moodle_template(rows: list[GradeRow], assignment, template, warnings: list[str]) -> str:
    raw = _read_template(template, "Moodle")
    header = raw.values(0)
    need = {"Identifier", "Grade", "Last modified (grade)"}
    if not need <= set(header):
        raise ExportError(
            f"{template} is not an (English) Moodle grading worksheet: it needs the columns "
            f"{', '.join(sorted(need))}, found {', '.join(header[:12])}. Download it via "
            "View all submissions > Grading action > Download grading worksheet; a Moodle "
            "in another language names the columns differently (switch your Moodle "
            "language to English for the download).")
    ident, grade_col = header.index("Identifier"), header.index("Grade")
    fb_col = header.index("Feedback comments") if "Feedback comments" in header else None
    max_col = header.index("Maximum Grade") if "Maximum Grade" in header else None
    name_col = header.index("Full name") if "Full name" in header else None
    mail_col = header.index("Email address") if "Email address" in header else None
    if fb_col is None:
        warnings.append("moodle.csv: the worksheet has no 'Feedback comments' column, so only "
                        "grades are uploaded. Enable Feedback types > Feedback comments in the "
                        "assignment's settings and download the worksheet again to add feedback.")
    students = [i for i in range(1, len(raw.records)) if raw.records[i][0] != [""]]
    matched, by_name = _match(
        rows, students, {i: _digits(raw.value(i, ident)) for i in students},
        lambda r: _digits(r.student.lms.get("participant", "")),
        {i: [raw.value(i, c) for c in (name_col, mail_col) if c is not None] for i in students})
    for row, line, how in by_name:
        warnings.append(f"moodle.csv: {_who(row)} matched by name/email '{how}' to "
                        f"{raw.value(line, ident)} (no participant number to match) - check it.")

    scale = 1.0
    if max_col is not None and matched:
        maxima = {_to_float(raw.value(i, max_col)) for i, r in matched.items()
                  if r.status == "graded"}
        maxima.discard(None)
        if len(maxima) == 1:
            lms_max = maxima.pop()
            if lms_max and assignment.points and abs(lms_max - assignment.points) > 1e-9:
                scale = lms_max / assignment.points
                warnings.append("moodle.csv: " + _scale_note(
                    "Moodle", lms_max, assignment.points,
                    next(r for r in matched.values() if r.status == "graded")))
    for line, row in matched.items():
        if row.status != "graded":
            continue
        raw.set(line, grade_col, num(row.score * scale))
        if fb_col is not None:
            raw.set(line, fb_col, feedback_html(row))
    placed = {id(r) for r in matched.values()}
    missing = [r for r in rows if id(r) not in placed and r.status == "graded"]
    if missing:
        warnings.append(f"moodle.csv: {len(missing)} graded submission(s) match no participant "
                        "of the worksheet and are NOT in moodle.csv: "
                        f"{_names([_who(r) for r in missing])}. "
                        "Enter their grades by hand.")
    idle = [(raw.value(i, name_col) if name_col is not None else "") or raw.value(i, ident)
            for i in students if i not in matched]
    if idle:
        warnings.append(f"moodle.csv: {len(idle)} participant(s) of the worksheet have no graded "
                        f"submission; their row was left as it was: {_names(idle)}")
    return raw.text()


# ------------------------------------------------------------------ junit.xml

def _secs(x) -> str:
    return f"{max(0.0, float(x or 0)):.3f}"


def _first_line(text: str, limit: int = 200) -> str:
    line = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    return line if len(line) <= limit else line[:limit - 3] + "..."


def write_junit_xml(rows: list[GradeRow], assignment, out_dir) -> ExportResult:
    """junit.xml: one testsuite per student, one testcase per graded test (module doc)."""
    rows = _sorted(rows)
    root = ET.Element("testsuites", name=clean(assignment.slug))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    total_time = 0.0
    for row in rows:
        s = row.student
        suite = ET.SubElement(root, "testsuite", name=clean(s.id))
        props = ET.SubElement(suite, "properties")
        for name, value in (("student_name", s.name), ("score", num(row.score)),
                            ("max_score", num(row.max_score)),
                            ("percent", f"{row.percent:.1f}"), ("status", row.status),
                            ("source", s.source)):
            ET.SubElement(props, "property", name=name, value=clean(value))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        classname = f"{clean(assignment.slug)}.{clean(s.id)}"
        if row.status != "graded":
            case = ET.SubElement(suite, "testcase", classname=classname, name="grading",
                                 time=_secs(row.duration))
            text = clean(row.message) or "the grader could not grade this submission"
            ET.SubElement(case, "error", message=_first_line(text), type="grading").text = text
            counts["tests"] += 1
            counts["errors"] += 1
        for t in row.tests:
            status = t.get("status", "")
            case = ET.SubElement(suite, "testcase", classname=classname,
                                 name=clean(t.get("name") or t.get("nodeid", "")),
                                 time=_secs(t.get("duration", 0)))
            counts["tests"] += 1
            output = clean(t.get("output", ""))
            if len(output) > OUTPUT_LIMIT:
                output = output[:OUTPUT_LIMIT] + "\n... (cut)"
            points = f"{num(t.get('score', 0) or 0)}/{num(t.get('max_score', 0) or 0)} points"
            if status in FAILED:
                el = ET.SubElement(case, "failure", type=status,
                                   message=_first_line(output) or f"{status}: {points}")
                el.text = f"{points}\n{output}" if output else points
                counts["failures"] += 1
            elif status == "error":
                el = ET.SubElement(case, "error", type="error",
                                   message=_first_line(output) or f"error: {points}")
                el.text = f"{points}\n{output}" if output else points
                counts["errors"] += 1
            elif status == "not-run":
                ET.SubElement(case, "skipped", message=_first_line(output) or "not run")
                counts["skipped"] += 1
            elif status != "passed":
                el = ET.SubElement(case, "error", type=clean(status) or "unknown",
                                   message=f"unknown status {status!r}")
                el.text = output
                counts["errors"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
        suite.set("time", _secs(row.duration))
        for key in totals:
            totals[key] += counts[key]
        total_time += max(0.0, float(row.duration or 0))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _secs(total_time))
    ET.indent(root)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    path = Path(out_dir) / JUNIT_XML
    _write_text(path, text, bom=False)
    return ExportResult([path], [])


# ------------------------------------------------------------------ all of them

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
