"""What Canvas's and Moodle's templates share: reading one, finding which of its lines is
which submission, and the points the LMS says the assignment is worth.

    read_template(path, what)   the template, kept byte for byte (csvtokens.RawCsv)
    match(...)                  template line -> row: by LMS id, then by one unique name
    scale_note(...)             the warning when the LMS's points are not the kit's
"""
from __future__ import annotations

import re
from pathlib import Path

from ..records import GradeRow
from . import csvtokens
from .common import GRADES_CSV, ExportError, num


def read_template(path, what: str) -> csvtokens.RawCsv:
    """The file at `path` as RawCsv; ExportError, said for the instructor, when it cannot
    be read, is not UTF-8, is not CSV or is empty. `what`: "Canvas" or "Moodle"."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read the {what} template {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError(f"the {what} template {path} is not UTF-8 text. Download it again "
                          f"from {what}, or in Excel use Save As > 'CSV UTF-8'.") from None
    try:
        raw = csvtokens.parse(text)
    except csvtokens.CsvError as exc:
        raise ExportError(f"the {what} template {path} is not valid CSV: {exc}") from None
    if not raw.records:
        raise ExportError(f"the {what} template {path} is empty")
    return raw


def norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def name_forms(name: str) -> set[str]:
    """'Lovelace, Ada' and 'Ada Lovelace' are the same person to a gradebook."""
    forms = {norm(name)}
    if "," in name:
        last, _, first = name.partition(",")
        forms.add(norm(f"{first} {last}"))
    return forms - {""}


def match(rows: list[GradeRow], lines: list[int], ids: dict[int, str], id_of_row,
          texts: dict[int, list[str]]) -> tuple[dict[int, GradeRow], list[tuple[GradeRow, int, str]]]:
    """Template line -> row. First by LMS id (unique on both sides); then, for rows still
    without a line, by name/login/email: only when exactly one free line and exactly one
    unplaced row share it. Returns (matched, [(row, line, shared text)] of the name matches)."""
    matched, rest = _match_by_id(rows, lines, ids, id_of_row)
    by_name = _match_by_name(rest, [line for line in lines if line not in matched], texts)
    for row, line, _ in by_name:
        matched[line] = row
    return matched, by_name


def _match_by_id(rows: list[GradeRow], lines: list[int], ids: dict[int, str],
                 id_of_row) -> tuple[dict[int, GradeRow], list[GradeRow]]:
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
    return matched, rest


def _match_by_name(rest: list[GradeRow], free: list[int],
                   texts: dict[int, list[str]]) -> list[tuple[GradeRow, int, str]]:
    forms = {line: set().union(*(name_forms(t) for t in texts.get(line, []))) for line in free}
    keys = {id(r): name_forms(r.student.name) | name_forms(r.student.id) for r in rest}
    by_name = []
    for row in rest:
        hits = [line for line, f in forms.items() if f & keys[id(row)]]
        if len(hits) != 1:
            continue
        rivals = [r for r in rest if keys[id(r)] & forms[hits[0]]]
        if len(rivals) == 1:
            by_name.append((row, hits[0], ", ".join(sorted(forms[hits[0]] & keys[id(row)]))))
    return by_name


def unplaced(rows: list[GradeRow], matched: dict[int, GradeRow]) -> list[GradeRow]:
    """The graded rows that got no line of the template."""
    placed = {id(r) for r in matched.values()}
    return [r for r in rows if id(r) not in placed and r.status == "graded"]


def scale_note(lms: str, lms_max: float, kit_max: float, example: GradeRow | None) -> str:
    text = (f"{lms} says the assignment is worth {num(lms_max)} points, the kit grades out "
            f"of {num(kit_max)}: scores were scaled to {num(lms_max)}")
    if example is not None:
        text += (f" (e.g. {num(example.score)}/{num(kit_max)} -> "
                 f"{num(example.score * lms_max / kit_max)})")
    return text + f". {GRADES_CSV} keeps the kit's points. Change the {lms} points instead " \
                  "if you want the kit's scale."


def to_float(text: str) -> float | None:
    """A number as a template writes it ("10.00", "1,5"), or None."""
    text = str(text).strip()
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None
