"""A CSV file kept byte for byte, so a template the LMS gave us goes back with only the
cells we grade changed.

    parse(text) -> RawCsv     split a template's text (BOM, ',' or ';', any line ending)
    RawCsv.value / .values    a cell, a line, unquoted as a CSV reader reads them
    RawCsv.set(r, c, value)   one cell, quoted only when it has to be
    RawCsv.text()             the whole file again: untouched cells exactly as they were

Python's csv module cannot do this: it reads values, not the quotes, spaces and line
endings around them, and writing them back would change every line of the file.
"""
from __future__ import annotations

import dataclasses

BOM = "\ufeff"
DELIMITERS = (",", ";")          # Canvas writes ';' for comma-decimal locales


class CsvError(ValueError):
    """The text is not CSV (a quoted cell that never closes)."""


@dataclasses.dataclass
class RawCsv:
    """Each record is its raw fields (quotes included) and the line ending that followed
    it, so untouched cells are written back unchanged."""
    bom: bool
    delim: str
    records: list[tuple[list[str], str]]

    def value(self, r: int, c: int) -> str:
        fields = self.records[r][0]
        return unquote(fields[c]) if c < len(fields) else ""

    def values(self, r: int) -> list[str]:
        return [unquote(f) for f in self.records[r][0]]

    def set(self, r: int, c: int, value: str) -> None:
        fields = self.records[r][0]
        fields.extend([""] * (c + 1 - len(fields)))
        fields[c] = quote(value, self.delim)

    def text(self) -> str:
        return (BOM if self.bom else "") + "".join(
            self.delim.join(fields) + end for fields, end in self.records)


def unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
        return raw[1:-1].replace('""', '"')
    return raw


def quote(value: str, delim: str) -> str:
    if any(ch in value for ch in (delim, '"', "\n", "\r")) or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def split(text: str, delim: str) -> list[tuple[list[str], str]]:
    """The records of `text`: (raw fields, line ending). A line ending inside quotes is
    part of its cell; \\r\\n, \\n and \\r each end a record."""
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
        raise CsvError("a quoted cell is never closed (the file ends inside quotes)")
    if start < n or fields:
        fields.append(text[start:])
        records.append((fields, ""))
    return records


def sniff(text: str) -> str:
    """',' or ';': the one that gives the same, larger cell count on the first three lines
    (Canvas's own identify_delimiter rule); ',' when in doubt."""
    counts = {}
    for delim in DELIMITERS:
        try:
            recs = split(text, delim)[:3]
        except CsvError:
            continue
        sizes = {len(f) for f, _ in recs}
        counts[delim] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if counts.get(";", 0) > counts.get(",", 0) else ","


def parse(text: str) -> RawCsv:
    """`text` (a leading BOM kept aside) split at the separator sniff() picks."""
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    delim = sniff(text)
    return RawCsv(bom, delim, split(text, delim))
