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
import textwrap
from collections.abc import Sequence

from .checks import timeline
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


def test_lines(r: TestResult, paint, width: int | None) -> list[str]:
    """test_line, wrapped to `width` under the name instead of cut (a report has room)."""
    plain = test_line(r, lambda text, _style: text)
    parts = textwrap.wrap(plain, width=width, subsequent_indent=" " * 13, break_long_words=False,
                          break_on_hyphens=False) if width and len(plain) > width else [plain]
    label = plain[:5]
    return [paint(label, label.strip()) + parts[0][5:]] + parts[1:]


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
    if not result.passed and result.timeline and result.timeline.get("lanes"):
        lines.extend(timeline.text(result.timeline))
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
    head = f"Assignment {grade.assignment}: {grade.title}" + (f"  ({source})" if source else "")
    out = [paint(head, "bold")]
    if grade.visibility == "visible":
        out.append(paint("Visible tests only (make check); the hidden tests are listed at the end.",
                         "dim"))
    for note in notes:
        out.extend(wrap(f"submission: {note}", width))
    once = _one_reason(grade, paint, width)
    out += once
    for note in grade.notes:
        out.extend(wrap(f"note: {note}", width))
    out.append("")
    for r in grade.tests:
        out += test_lines(r, paint, width)
        body = [] if once else test_body(r)
        if r.info.visibility != "visible" and not show_hidden_details:
            body = ["(details of hidden tests are shown after the due date)"] if not r.passed else []
        for line in body:
            out.extend(paint_line(part, paint) for part in wrap("             " + line, width))
    out.append("")
    out.append(paint(f"Total: {pts(grade.score)}/{pts(grade.max_score)}", "bold") + _breakdown(grade))
    if not for_student:
        out += _for_the_instructor(grade, paint, width)
    return "\n".join(out)


def _one_reason(grade: Grade, paint, width: int | None) -> list[str]:
    """The lines that say, once, why no test passed, when one reason explains them all
    (the file cannot run; an import that fails): then the tests show no body."""
    if grade.cannot_run:
        first, *rest = grade.cannot_run.splitlines()
        return [""] + [paint(part, "cause") for part in wrap(first, width)] + rest
    shared = shared_failure(grade)
    if not shared:
        return []
    return ["", paint("Every test failed for the same reason:", "cause")] + \
        [part for line in shared.splitlines() for part in wrap(line, width)]


def _for_the_instructor(grade: Grade, paint, width: int | None) -> list[str]:
    """The verdicts flagged for a look and the sandbox's report (not in a student's copy)."""
    if grade.visibility == "visible":
        return []
    out = []
    if grade.flags:
        out.append("")
        out.append(paint("Flagged for the instructor (verdicts too close to call, passed on the "
                         "benefit of the doubt):", "cause"))
        out.extend(part for flag in grade.flags for part in wrap("  " + flag, width))
    if grade.sandbox:
        out.append("")
        out.append(paint("Sandbox the tests ran in (see README, \"Untrusted submissions\"):", "dim"))
        out.extend(paint("  " + line, "dim") for line in grade.sandbox)
    return out


def shared_failure(grade: Grade) -> str | None:
    """When two tests or more all failed with one and the same message (an import that
    fails, a missing file), that message: nobody should open 20 tests to find it."""
    if len(grade.tests) < 2 or any(t.passed for t in grade.tests):
        return None
    messages = {t.message.strip() for t in grade.tests}
    return messages.pop() if len(messages) == 1 and messages != {""} else None


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
        "output": "\n".join(([grade.cannot_run] if grade.cannot_run else []) + grade.notes)
                  or f"{grade.title}: {pts(grade.score)}/{pts(grade.max_score)}",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": stdout_visibility,
        "tests": tests,
    }


CLASSROOM_MESSAGE = 4000     # characters of a failed test's feedback in the runner JSON


def classroom(grade: Grade) -> dict:
    """GitHub Classroom's runner result, as classroom-resources/autograding-command-grader
    writes it (version 1; src/main.js generateResult) for autograding-grading-reporter,
    which shows "Points x/y" with x the sum of tests[].score and y max_score
    (src/notify-classroom.js), and fails the job on a top-level status fail or error
    (src/main.js). Partial credit: each test scores its own points."""
    status = "pass" if all(r.passed for r in grade.tests) else \
        ("error" if grade.cannot_run else "fail")
    return {"version": 1, "status": status, "max_score": _number(grade.max_score),
            "tests": [classroom_test(r, grade) for r in grade.tests]}


def classroom_test(r: TestResult, grade: Grade) -> dict:
    failed = "error" if grade.cannot_run else "fail"
    message = "" if r.passed else (grade.cannot_run or _test_output(r))
    return {"name": r.info.name, "status": "pass" if r.passed else failed,
            "score": _number(r.score), "message": message[:CLASSROOM_MESSAGE],
            "test_code": r.info.nodeid, "filename": "", "line_no": 0,
            "duration": int(round(r.duration * 1000))}


def classroom_error(max_score: float, name: str, message: str) -> dict:
    """The runner result when nothing could be graded: the reporter still gets JSON it
    reads (a missing or empty one makes it fail with another error's message)."""
    return {"version": 1, "status": "error", "max_score": _number(max_score),
            "tests": [{"name": name, "status": "error", "score": 0, "message": message,
                       "test_code": "", "filename": "", "line_no": 0, "duration": 0}]}


def _number(x: float) -> float | int:
    """Points as the reporter adds them: an int when whole (10/9 nine times is not 10)."""
    return int(x) if float(x).is_integer() else round(float(x), 2)


def write_json(data: dict, path: str | os.PathLike) -> None:
    atomic_write(path, json.dumps(data, indent=2) + "\n")
