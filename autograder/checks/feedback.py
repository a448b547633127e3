"""Feedback a graded test gives: what was measured, what was expected, the likely cause.

A graded test records its numbers with `feedback.measure(...)` (shown whether it passes
or fails) and fails with `feedback.fail(...)`, which raises `GradedFailure`. The plugin
turns that into the text the student reads, so every failure says the same four things
in the same order.
"""
from __future__ import annotations

import dataclasses
from typing import Any


class GradedFailure(AssertionError):
    """A graded test failed with a message written for the student."""

    def __init__(self, what: str, *, measured: Any = None, expected: Any = None,
                 cause: str | None = None, where: str | None = None,
                 measurements: list[Measurement] | None = None, lesson: str = "",
                 where_label: str = "where"):
        self.what = what
        self.measured = measured
        self.expected = expected
        self.cause = cause
        self.where = where
        self.measurements = list(measurements or [])
        self.lesson = lesson
        self.where_label = where_label   # "where (every thread when ...)" for a hang
        super().__init__(self.text())

    def text(self) -> str:
        lines = [self.what]
        for label, value in (("measured", self.measured), ("expected", self.expected),
                             ("likely cause", self.cause or None)):
            if value is not None:
                # A value of several lines (a chart, a traceback) stays under its label.
                first, *rest = str(value).splitlines() or [""]
                lines.append(f"  {label}: {first}")
                lines.extend("    " + line if line.strip() else "" for line in rest)
        if self.cause and self.lesson and "lesson" not in self.cause.lower():
            lines.append(f"  in the lesson: {self.lesson}")
        if self.where:
            lines.append(f"  {self.where_label}:")
            lines.extend("    " + line for line in self.where.rstrip().splitlines())
        return "\n".join(lines)


@dataclasses.dataclass
class Measurement:
    label: str
    value: Any
    expected: Any = None

    def text(self) -> str:
        value = _fmt(self.value)
        if self.expected is None:
            return f"{self.label}: {value}"
        return f"{self.label}: {value} (expected {self.expected})"

    def as_dict(self) -> dict:
        return {"label": self.label, "value": _jsonable(self.value),
                "expected": None if self.expected is None else str(self.expected)}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


class Feedback:
    """Per-test recorder handed to graded tests as the `feedback` fixture."""

    def __init__(self, lesson: str = "") -> None:
        self.measurements: list[Measurement] = []
        self.notes: list[str] = []
        self.flags: list[str] = []   # for the instructor's report: a borderline pass
        self.lesson = lesson   # the lesson section the assignment practises ("IV. ...")

    def measure(self, label: str, value: Any, expected: Any = None) -> Any:
        """Record a number for the report (pass or fail); returns `value`."""
        self.measurements.append(Measurement(label, value, expected))
        return value

    def note(self, text: str) -> None:
        """A remark shown with the result, e.g. why a timing verdict was inconclusive."""
        self.notes.append(text)

    def flag(self, text: str | None) -> None:
        """A verdict the instructor should look at (a timing pass on the benefit of the
        doubt): shown to the student as a note, listed in the instructor's reports. None
        (a verdict's `.flag` when there is nothing to say) is ignored."""
        if text:
            self.flags.append(text)
            self.notes.append(text)

    def fail(self, what: str, *, measured: Any = None, expected: Any = None,
             cause: str | None = None, where: str | None = None) -> None:
        __tracebackhide__ = True
        raise GradedFailure(what, measured=measured, expected=expected, cause=cause,
                            where=where, measurements=self.measurements, lesson=self.lesson)

    def check(self, ok: bool, what: str, **details: Any) -> None:
        """`fail(what, **details)` unless `ok`."""
        __tracebackhide__ = True
        if not ok:
            self.fail(what, **details)
