"""grades.csv: the kit's own sheet, for the instructor (Excel, LibreOffice, pandas).

One row per submission, then one column per graded test (points earned, in the
manifest's test order). `score` is after any late penalty; `raw_score` is the
grader's, and `late_penalty` says what the policy took and why (empty: on time, or no
policy). UTF-8 *with* a byte-order mark: Excel opens a BOM-less UTF-8 CSV
in the legacy ANSI code page ("ZoÃ«"), with the BOM it reads UTF-8; LibreOffice, Google
Sheets and Python's csv (encoding="utf-8-sig") all accept it.
"""
from __future__ import annotations

from pathlib import Path

from ..records import GradeRow
from .common import GRADES_CSV, ExportResult, cell, csv_text, names, num, sorted_rows, who, write

GRADES_FIELDS = ["student", "name", "score", "max_score", "percent", "status", "message",
                 "notes", "duration_s", "source", "canvas_user_id", "canvas_submission_id",
                 "canvas_late", "moodle_participant", "raw_score", "late_penalty"]


def write_grades_csv(rows: list[GradeRow], assignment, out_dir) -> ExportResult:
    """grades.csv: one row per submission, one column per graded test (see module doc)."""
    rows = sorted_rows(rows)
    columns = _test_columns(rows)
    records: list[list] = [GRADES_FIELDS + [header for _, header in columns]]
    records += [_record(row, columns) for row in rows]
    path = Path(out_dir) / GRADES_CSV
    write(path, csv_text(records), bom=True)
    warnings = []
    errors = [who(r) for r in rows if r.status != "graded"]
    if errors:
        warnings.append(f"{len(errors)} submission(s) could not be graded (status 'error' in "
                        f"{GRADES_CSV}; canvas.csv and moodle.csv leave their grade alone): "
                        f"{names(errors)}. Read their message column, fix the cause and "
                        "grade again, or grade by hand.")
    return ExportResult([path], warnings)


def _key(test: dict) -> str:
    return test.get("nodeid") or test.get("name", "")


def _test_columns(rows: list[GradeRow]) -> list[tuple[str, str]]:
    """(key, header) per graded test, manifest order: the longest test list first, then
    anything only other rows have. key is the nodeid (or name); header is the name."""
    order: list[str] = []
    label: dict[str, tuple[str, float]] = {}
    for row in sorted(rows, key=lambda r: -len(r.tests)):
        for t in row.tests:
            key = _key(t)
            if key not in label:
                order.append(key)
                label[key] = (t.get("name") or key, float(t.get("max_score", 0) or 0))
    shown_names = [label[k][0] for k in order]
    out = []
    for key in order:
        name, mx = label[key]
        shown = name if shown_names.count(name) == 1 else key
        out.append((key, f"{shown} ({num(mx)} pts)"))
    return out


def _record(row: GradeRow, columns: list[tuple[str, str]]) -> list[str]:
    s, lms = row.student, row.student.lms
    by_key = {_key(t): t for t in row.tests}
    record = [cell(s.id), cell(s.name), num(row.score), num(row.max_score),
              f"{row.percent:.1f}", cell(row.status), cell(row.message),
              cell("; ".join(s.notes)), f"{row.duration:.1f}", cell(s.source), cell(lms.get("user_id", "")),
              cell(lms.get("submission_id", "")),
              "yes" if lms.get("late") else "", cell(lms.get("participant", "")),
              num(row.raw_score if row.raw_score is not None else row.score), cell(row.late)]
    for key, _ in columns:
        t = by_key.get(key)
        record.append(num(t.get("score", 0) or 0) if t is not None else "")
    return record
