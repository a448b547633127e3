"""What a grade looks like to people and to an LMS.

    text(grade)          the terminal report: one block per test, points, measured
                         numbers, feedback, then the total
    gradescope(grade)    Gradescope's results.json (see the "Autograder Results Format"
                         of Gradescope's docs: top-level score, execution_time, output,
                         visibility, stdout_visibility, tests[] with name, number,
                         score, max_score, status, output, output_format, visibility)
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence

from .files import atomic_write
from .scoring import Grade, TestResult
from .terminal import clip, painter, use_colour, width_of, wrap  # noqa: F401 (re-exported)

STATUS_LABEL = {"passed": "PASS", "failed": "FAIL", "error": "FAIL", "hung": "HANG",
                "crashed": "CRASH", "not-run": "SKIP"}


def test_line(r: TestResult, paint, width: int | None = None) -> str:
    """'FAIL    0/3  the test's name': a test's verdict on one line (clipped to `width`)."""
    label = STATUS_LABEL.get(r.status, r.status.upper())
    tag = "" if r.info.visibility == "visible" else " [hidden]"
    text = clip(f"{label.ljust(5)} {pts(r.score).rjust(3)}/{pts(r.max_score)}  "
                f"{r.info.name}{tag}", width)
    return paint(label.ljust(5), label) + text[5:]


def paint_line(line: str, paint) -> str:
    if "likely cause:" in line:
        return line.replace("likely cause:", paint("likely cause:", "cause"), 1)
    for mark in ("<-- waiting here", "<-- raised here", "<-- here"):
        if mark in line:
            return line.replace(mark, paint(mark, "here"), 1)
    return line


def pts(x: float) -> str:
    return f"{x:g}"


def test_body(result: TestResult) -> list[str]:
    """The feedback lines of one test (no header): measurements, notes, message."""
    lines = []
    shown = set()
    for m in result.measurements:
        text = f"{m['label']}: {m['value']}"
        if m.get("expected") is not None:
            text += f" (expected {m['expected']})"
        if text not in shown:
            lines.append(text)
            shown.add(text)
    lines.extend(result.notes)
    # Multi-line values (a timing chart) stay under their test, not at the left margin.
    lines = [part for line in lines for part in str(line).splitlines()]
    if not result.passed and result.message:
        # GradedFailure messages repeat measurements; keep the message whole anyway:
        # it is the part written for the student.
        lines.extend(result.message.rstrip().splitlines())
    return lines


def text(grade: Grade, *, colour: bool = False, source: str | None = None,
         show_hidden_details: bool = True, width: int | None = None,
         for_student: bool = False, notes: Sequence[str] = ()) -> str:
    """`width`: wrap long lines to it (a terminal's width; None keeps lines whole).
    `for_student`: the copy a student receives (a batch's feedback.txt): without what is
    for the instructor (the verdicts flagged for a look, the sandbox's report).
    `notes`: how the submission was found (a batch: re-uploaded, late, the zip inside),
    shown first."""
    paint = painter(colour)
    out = []
    head = f"Assignment {grade.assignment}: {grade.title}"
    if source:
        head += f"  ({source})"
    out.append(paint(head, "bold"))
    if grade.visibility == "visible":
        out.append(paint("Visible tests only (make check); the hidden tests are listed at the end.",
                         "dim"))
    for note in notes:
        out.extend(wrap(f"submission: {note}", width))
    for note in grade.notes:
        out.extend(wrap(f"note: {note}", width))
    out.append("")
    for r in grade.tests:
        out.append(test_line(r, paint))
        body = test_body(r)
        if r.info.visibility != "visible" and not show_hidden_details:
            body = ["(details of hidden tests are shown after the due date)"] if not r.passed else []
        for line in body:
            out.extend(paint_line(part, paint) for part in wrap("             " + line, width))
    out.append("")
    out.append(paint(f"Total: {pts(grade.score)}/{pts(grade.max_score)}", "bold") + _breakdown(grade))
    if for_student:
        return "\n".join(out)
    if grade.flags and grade.visibility != "visible":
        out.append("")
        out.append(paint("Flagged for the instructor (verdicts too close to call, passed on the "
                         "benefit of the doubt):", "cause"))
        out.extend(part for flag in grade.flags for part in wrap("  " + flag, width))
    if grade.sandbox and grade.visibility != "visible":
        out.append("")
        out.append(paint("Sandbox the tests ran in (see README, \"Untrusted submissions\"):", "dim"))
        out.extend(paint("  " + line, "dim") for line in grade.sandbox)
    return "\n".join(out)


def _breakdown(grade: Grade) -> str:
    groups: dict[str, list[TestResult]] = {}
    for r in grade.tests:
        groups.setdefault("visible" if r.info.visibility == "visible" else "hidden", []).append(r)
    if len(groups) < 2:
        return ""
    parts = [f"{name} {pts(sum(t.score for t in rs))}/{pts(sum(t.max_score for t in rs))}"
             for name, rs in groups.items()]
    return "  (" + ", ".join(parts) + ")"


def _test_output(r: TestResult) -> str:
    body = test_body(r)
    if r.status != "passed" and r.output:
        body += ["", "What your code printed during this test (last lines):", r.output[-1500:]]
    return "\n".join(body)


def gradescope(grade: Grade, *, stdout_visibility: str = "hidden") -> dict:
    tests = []
    for i, r in enumerate(grade.tests, 1):
        tests.append({
            "name": r.info.name,
            "number": f"{grade.assignment}.{i}",
            "score": r.score,
            "max_score": r.max_score,
            "status": "passed" if r.passed else "failed",
            "output": _test_output(r),
            "output_format": "text",
            "visibility": r.info.visibility,
            "tags": [r.status],
            "extra_data": {"nodeid": r.info.nodeid, "duration": round(r.duration, 3),
                           **({"flags": r.flags} if r.flags else {})},
        })
    return {
        "score": grade.score,
        "max_score": grade.max_score,
        "execution_time": round(grade.duration, 2),
        "output": "\n".join(grade.notes) or f"{grade.title}: {pts(grade.score)}/{pts(grade.max_score)}",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": stdout_visibility,
        "tests": tests,
    }


def write_json(data: dict, path: str | os.PathLike) -> None:
    atomic_write(path, json.dumps(data, indent=2) + "\n")
