"""Text from a submission, made safe to show: no control or escape sequence of the
student's reaches a terminal, feedback.txt, results.json, a CSV or an HTML page.

    clean("\\x1b[2J Total: 32/32")  -> "\\\\x1b[2J Total: 32/32"

Escape (ESC), the other C0 and C1 controls but newline and tab, DEL, and the Unicode
controls that reorder or hide text (bidirectional overrides and isolates, zero-width
joiners and marks) are shown as visible escapes, so an instructor sees that they were
there and what they were. Applied where the grade is put together (scoring.py), on
everything a grading reports: messages, notes, measurements, printed output.
"""
from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _visible(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text) -> str:
    """`text` (anything: it is made a string) with every unsafe character escaped."""
    text = text if isinstance(text, str) else str(text)
    return _UNSAFE.sub(_visible, text)


def clean_value(value):
    """A measured value: strings cleaned, numbers and None kept as they are."""
    if isinstance(value, str):
        return clean(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return clean(str(value))
