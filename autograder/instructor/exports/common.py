"""What every export shares: its result and error, text made safe for a spreadsheet and
XML, the lists a warning names, and the one way a file is written.

    ExportResult / ExportError   what the write_* functions return / raise
    clean(text) / cell(text)     safe text / a safe spreadsheet cell (no formula)
    num(x)                       a score as Canvas, Moodle and Excel read it
    write(path, text, bom=...)   the file, atomically (files.atomic_write)
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from ... import files
from ..records import GradeRow
from .csvtokens import BOM

GRADES_CSV = "grades.csv"
CANVAS_CSV = "canvas.csv"
MOODLE_CSV = "moodle.csv"
JUNIT_XML = "junit.xml"

LIST_LIMIT = 30          # names listed in one warning before "... and N more"
OUTPUT_LIMIT = 4000      # characters of one test's feedback in Moodle's comments / JUnit


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


def cut(output: str) -> str:
    """A test's feedback, at most OUTPUT_LIMIT characters of it."""
    return output[:OUTPUT_LIMIT] + "\n... (cut)" if len(output) > OUTPUT_LIMIT else output


def digits(value) -> str:
    """The numeric id in value ("123", " 123 ", "Participant 123") or ''."""
    m = re.fullmatch(r"\s*(?:[A-Za-z ]*?)\s*(\d+)\s*", str(value or ""))
    return m.group(1) if m else ""


# ------------------------------------------------------------------ rows and warnings

def sorted_rows(rows: Iterable[GradeRow]) -> list[GradeRow]:
    return sorted(rows, key=lambda r: (r.student.id.casefold(), r.student.id))


def who(row: GradeRow) -> str:
    s = row.student
    return s.id if s.name in ("", s.id) else f"{s.id} ({s.name})"


def names(items: list[str]) -> str:
    shown = items[:LIST_LIMIT]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" ... and {more} more" if more > 0 else "")


def duplicates(values: Iterable[str]) -> set[str]:
    seen, dup = set(), set()
    for v in values:
        (dup if v in seen else seen).add(v)
    return dup


def split_ungradable(rows: list[GradeRow], filename: str, lms: str,
                     report: bool) -> tuple[list[GradeRow], list[str]]:
    """The graded rows, and the warning (if `report`) naming those the LMS gets no grade for."""
    errors = [r for r in rows if r.status != "graded"]
    warnings = []
    if errors and report:
        warnings.append(f"{filename}: {len(errors)} submission(s) could not be graded and get "
                        f"no {lms} grade (grade them by hand): "
                        + names([who(r) for r in errors]))
    return [r for r in rows if r.status == "graded"], warnings


# ------------------------------------------------------------------ writing

def csv_text(records: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(records)
    return buf.getvalue()


def write(path: Path, text: str, *, bom: bool) -> None:
    """`text` as UTF-8 (after a BOM if `bom`), atomically, with the permissions open()
    would give it: the instructor's colleagues read these files as before."""
    files.atomic_write(path, (BOM if bom else "") + text)   # the mode open() would give
