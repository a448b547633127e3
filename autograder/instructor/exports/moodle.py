"""moodle.csv, for Moodle's Assignment > View all submissions > Grading action > Upload
grading worksheet.

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
"""
from __future__ import annotations

import datetime as _dt
import html
from pathlib import Path

from ...reports import STATUS_LABEL
from ..records import GradeRow
from .common import (MOODLE_CSV, ExportError, ExportResult, cell, clean, csv_text, cut, digits,
                     duplicates, names, num, sorted_rows, split_ungradable, who, write)
from .csvtokens import RawCsv
from .templates import match, read_template, scale_note, to_float, unplaced

MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade",
                 "Maximum Grade", "Grade can be changed", "Last modified (submission)",
                 "Last modified (grade)", "Feedback comments"]
MOODLE_PARTICIPANT = "Participant "          # get_string('hiddenuser', 'assign')

_NEEDED = {"Identifier", "Grade", "Last modified (grade)"}
_READ = ("Identifier", "Grade", "Feedback comments", "Maximum Grade", "Full name",
         "Email address")                    # the worksheet's columns we read or fill


def feedback_text(row: GradeRow) -> str:
    """Plain-text feedback for one submission: the summary, then one line per test with
    its points, and the feedback of tests that did not pass."""
    lines = [clean(row.message) or f"{num(row.score)}/{num(row.max_score)} points"]
    if row.late:
        lines.append(f"Late: {clean(row.late)}")
    for t in row.tests:
        status = t.get("status", "")
        label = STATUS_LABEL.get(status, status.upper() or "?")
        lines.append(f"{label} {num(t.get('score', 0) or 0)}/"
                     f"{num(t.get('max_score', 0) or 0)} {clean(t.get('name', ''))}")
        output = clean(t.get("output", "")).strip("\n")
        if status != "passed" and output:
            lines.extend("    " + part for part in cut(output).split("\n"))
    return "\n".join(lines)


def feedback_html(row: GradeRow) -> str:
    """Moodle stores Feedback comments as HTML: escape, keep the line breaks."""
    return text_html(feedback_text(row))


def text_html(text: str) -> str:
    """Plain text as Moodle's HTML: escaped, its line breaks kept."""
    body = "<br>\n".join(html.escape(line, quote=True) for line in text.split("\n"))
    return f"<p>{body}</p>"


def write_moodle_csv(rows: list[GradeRow], assignment, out_dir, *, template=None,
                     now: _dt.datetime | None = None,
                     report_errors: bool = True) -> ExportResult:
    """moodle.csv for Moodle's Upload grading worksheet (see the module doc). now: the
    "Last modified (grade)" of the minimal form (default: the current time)."""
    rows = sorted_rows(rows)
    graded, warnings = split_ungradable(rows, MOODLE_CSV, "Moodle", report_errors)
    path = Path(out_dir) / MOODLE_CSV
    if template is not None:
        write(path, _fill_template(rows, assignment, template, warnings), bom=False)
    else:
        write(path, csv_text(_minimal(graded, now, warnings)), bom=True)
    return ExportResult([path], warnings)


def _moodle_time(when: _dt.datetime | None) -> str:
    when = when or _dt.datetime.now(_dt.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.replace(microsecond=0).isoformat()


# ------------------------------------------------------------------ the minimal form

def _minimal(graded: list[GradeRow], now: _dt.datetime | None, warnings: list[str]) -> list[list]:
    """The records of the minimal worksheet: a row per graded submission that has a
    participant number of its own; a warning for the others."""
    with_id, without = [], []
    for row in graded:
        pid = digits(row.student.lms.get("participant", ""))
        (with_id if pid else without).append((row, pid))
    if without:
        warnings.append(
            f"moodle.csv: {len(without)} graded submission(s) have no Moodle participant "
            "number (they did not come from a Moodle 'Download all submissions' zip) and "
            f"are NOT in moodle.csv: {names([who(r) for r, _ in without])}. Enter their "
            "grades by hand, or pass a downloaded grading worksheet as template to match "
            "them by name/email.")
    dup = duplicates(p for _, p in with_id)
    if dup:
        warnings.append(f"moodle.csv: participant number(s) {', '.join(sorted(dup))} belong to "
                        "more than one submission; those are left out, grade them by hand: "
                        + names([who(r) for r, p in with_id if p in dup]))
        with_id = [(r, p) for r, p in with_id if p not in dup]
    stamp = _moodle_time(now)
    records: list[list] = [list(MOODLE_HEADER)]
    for row, pid in with_id:
        records.append([MOODLE_PARTICIPANT + pid, cell(row.student.name or row.student.id), "",
                        "", num(row.score), num(row.max_score), "Yes", "", stamp,
                        feedback_html(row)])
    return records


# ------------------------------------------------------------------ the template

def _fill_template(rows: list[GradeRow], assignment, template, warnings: list[str]) -> str:
    """A downloaded worksheet with Grade and Feedback comments of matched, graded
    participants filled in; every other byte as it was."""
    raw = read_template(template, "Moodle")
    cols = _columns(raw.values(0), template)
    if "Feedback comments" not in cols:
        warnings.append("moodle.csv: the worksheet has no 'Feedback comments' column, so only "
                        "grades are uploaded. Enable Feedback types > Feedback comments in the "
                        "assignment's settings and download the worksheet again to add feedback.")
    students = [i for i in range(1, len(raw.records)) if raw.records[i][0] != [""]]
    matched = _match_participants(raw, rows, students, cols, warnings)
    scale = _scale(raw, matched, assignment, cols.get("Maximum Grade"), warnings)
    for line, row in matched.items():
        if row.status != "graded":
            continue
        raw.set(line, cols["Grade"], num(row.score * scale))
        if "Feedback comments" in cols:
            raw.set(line, cols["Feedback comments"], feedback_html(row))
    _report_left_over(raw, rows, students, matched, cols, warnings)
    return raw.text()


def _columns(header: list[str], template) -> dict[str, int]:
    """Where the columns we read or fill are (the first of a name); ExportError when
    Moodle's upload would refuse the worksheet."""
    if not _NEEDED <= set(header):
        raise ExportError(
            f"{template} is not an (English) Moodle grading worksheet: it needs the columns "
            f"{', '.join(sorted(_NEEDED))}, found {', '.join(header[:12])}. Download it via "
            "View all submissions > Grading action > Download grading worksheet; a Moodle "
            "in another language names the columns differently (switch your Moodle "
            "language to English for the download).")
    return {name: header.index(name) for name in _READ if name in header}


def _match_participants(raw: RawCsv, rows: list[GradeRow], students: list[int],
                        cols: dict[str, int], warnings: list[str]) -> dict[int, GradeRow]:
    """Worksheet line -> row: by participant number, then by full name or email."""
    ident = cols["Identifier"]
    texts = [cols[n] for n in ("Full name", "Email address") if n in cols]
    matched, by_name = match(
        rows, students, {i: digits(raw.value(i, ident)) for i in students},
        lambda r: digits(r.student.lms.get("participant", "")),
        {i: [raw.value(i, c) for c in texts] for i in students})
    for row, line, how in by_name:
        warnings.append(f"moodle.csv: {who(row)} matched by name/email '{how}' to "
                        f"{raw.value(line, ident)} (no participant number to match) - check it.")
    return matched


def _scale(raw: RawCsv, matched: dict[int, GradeRow], assignment, max_col: int | None,
           warnings: list[str]) -> float:
    """Moodle's maximum over the kit's points, when the matched participants agree on one
    maximum that is not the kit's; else 1.0."""
    if max_col is None or not matched:
        return 1.0
    graded = [(i, r) for i, r in matched.items() if r.status == "graded"]
    maxima = {to_float(raw.value(i, max_col)) for i, _ in graded}
    maxima.discard(None)
    if len(maxima) != 1:
        return 1.0
    lms_max = maxima.pop()
    if not (lms_max and assignment.points and abs(lms_max - assignment.points) > 1e-9):
        return 1.0
    warnings.append("moodle.csv: " + scale_note("Moodle", lms_max, assignment.points, graded[0][1]))
    return lms_max / assignment.points


def _report_left_over(raw: RawCsv, rows: list[GradeRow], students: list[int],
                      matched: dict[int, GradeRow], cols: dict[str, int],
                      warnings: list[str]) -> None:
    missing = unplaced(rows, matched)
    if missing:
        warnings.append(f"moodle.csv: {len(missing)} graded submission(s) match no participant "
                        "of the worksheet and are NOT in moodle.csv: "
                        f"{names([who(r) for r in missing])}. "
                        "Enter their grades by hand.")
    name_col = cols.get("Full name")
    idle = [(raw.value(i, name_col) if name_col is not None else "") or raw.value(i, cols["Identifier"])
            for i in students if i not in matched]
    if idle:
        warnings.append(f"moodle.csv: {len(idle)} participant(s) of the worksheet have no graded "
                        f"submission; their row was left as it was: {names(idle)}")
