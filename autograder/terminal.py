"""The terminal: colour, width, wrapping, and the one line redrawn in place.

    painter(on)       paint(text, what): ANSI colour, or the text unchanged
    use_colour(s)     colour on a terminal; never with NO_COLOR or TERM=dumb
    width_of(s)       the terminal's width, None when `s` is not a terminal
    wrap(line, w)     a long line cut at spaces, continuations indented under the text
    clip(text, w)     one screen line, an ellipsis where it is cut
    StatusLine(s)     the line that says what runs now: redrawn, then erased
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap

ERASE_LINE = "\r\033[K"


def is_terminal(stream) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def painter(enabled: bool):
    """paint(text, what): ANSI colour for a terminal, the text unchanged otherwise."""
    codes = {"PASS": "32", "FAIL": "31", "HANG": "35", "CRASH": "35", "SKIP": "33", "dim": "2",
             "bold": "1", "cause": "33", "here": "1;35", "mine": "1"}

    def paint(text: str, what: str) -> str:
        if not enabled or what not in codes:
            return text
        return f"\033[{codes[what]}m{text}\033[0m"
    return paint


def use_colour(stream=None) -> bool:
    """Colour on a terminal; never with NO_COLOR (no-color.org) or TERM=dumb; always with
    FORCE_COLOR (e.g. `make watch` through a pager)."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_terminal(stream)


def width_of(stream=None) -> int | None:
    """The terminal's width when `stream` is one (lines are wrapped to it), else None."""
    stream = stream or sys.stdout
    if not is_terminal(stream):
        return None
    return shutil.get_terminal_size().columns


_LABELS = re.compile(r"^(\s*)((?:measured|expected|likely cause): )")


def wrap(line: str, width: int | None) -> list[str]:
    """`line` cut at spaces to fit `width`, continuation lines indented under the text
    (after "likely cause: " and the like). Code and stack lines are short and kept."""
    if width is None or len(line) <= width:
        return [line]
    lead = len(line) - len(line.lstrip(" "))
    label = _LABELS.match(line)
    indent = " " * (len(label.group(0)) if label else lead + 2)
    if len(indent) > width // 2:
        indent = " " * (lead + 2)
    return textwrap.wrap(line, width=width, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False) or [line]


def clip(text: str, width: int | None) -> str:
    """One screen line: what does not fit ends in an ellipsis."""
    return text if width is None or len(text) <= width else text[:width - 1] + "\u2026"


class StatusLine:
    """One line of a terminal, redrawn in place (`show`), then erased (`clear`). On
    anything but a terminal it writes nothing, unless `log` is set: then every `show`
    is a line of its own (a log file, CI)."""

    def __init__(self, stream=None, *, log: bool = False):
        self.stream = stream or sys.stderr
        self.live = is_terminal(self.stream)
        self.log = log
        self.shown = False

    def show(self, text: str) -> None:
        if self.live:
            width = shutil.get_terminal_size().columns
            self._write(ERASE_LINE + clip(text, max(width - 1, 10)))
            self.shown = True
        elif self.log:
            self._write(text + "\n")

    def above(self, text: str) -> None:
        """A line that stays, printed above the status line."""
        self._write((ERASE_LINE if self.live else "") + text + "\n")
        self.shown = False

    def clear(self) -> None:
        if self.live and self.shown:
            self._write(ERASE_LINE)
            self.shown = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
