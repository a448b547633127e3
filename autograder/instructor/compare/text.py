"""The terminal report of a SideBySide: header, test table, measured numbers, what the
threads did in the tests the student lost, what the student was told, and the diffs.

    render_text(comp, colour=False)   the whole report, one string

Colour comes from terminal.painter; the caller decides whether to use it
(terminal.use_colour(), https://no-color.org/, and --no-color). Long diffs stop after
TERMINAL_DIFF_LINES lines (the HTML page has all of them).
"""
from __future__ import annotations

import textwrap

from ... import reports, terminal
from ...reports import pts
from ...scoring import TestResult
from . import lanes
from .model import FileDiff, SideBySide, cut, duration, measurement_rows, status_label

TERMINAL_DIFF_LINES = 300    # per diff; the HTML page has all of it
TERMINAL_VALUE_WIDTH = 34    # measured values longer than this are cut in the terminal
LABEL_WIDTH = 48             # measured labels longer than this are cut
RULE = "!" * 78              # above and below the reference's warning
INDENT = "       "           # what belongs to a test, under its line


def render_text(comp: SideBySide, *, colour: bool = False) -> str:
    paint = terminal.painter(colour)
    out = _header(comp, paint) + _table(comp, paint) + _measured(comp, paint)
    out += _lanes(comp, paint) + _feedback(comp, paint)
    for f in comp.files:
        out += _file(f, paint)
    return "\n".join(out)


def _verdict(result: TestResult | None) -> str:
    """'FAIL 0/2', or '(not collected)' for a test this side did not run."""
    if result is None:
        return "(not collected)"
    return f"{status_label(result)} {pts(result.score)}/{pts(result.max_score)}"


def _header(comp: SideBySide, paint) -> list[str]:
    a, s, r = comp.assignment, comp.student, comp.reference
    out = [paint(f"Compare: assignment {a.number}, {a.title}", "bold"),
           f"  student    {pts(s.score):>5}/{pts(s.max_score):<5} {comp.student_path}",
           f"  reference  {pts(r.score):>5}/{pts(r.max_score):<5} {comp.reference_path}"]
    out += textwrap.wrap(comp.how_graded(), width=100, initial_indent="  ",
                         subsequent_indent="  ")
    out.append(f"  CPU budget: {comp.cpu}")
    out += [f"  note (student): {note}" for note in s.notes]
    out += [f"  note (reference): {note}" for note in r.notes]
    warning = comp.reference_warning()
    if warning:
        out += ["", paint(RULE, "FAIL"), paint(f"WARNING: {warning}", "FAIL"), paint(RULE, "FAIL")]
    return out


def _table(comp: SideBySide, paint) -> list[str]:
    """One line per test, both verdicts, `>>` where they differ."""
    pairs = comp.pairs
    vis_w = max([len("visibility")] + [len(p.visibility) for p in pairs])
    out = ["", paint(f"Tests ({len(comp.differing)} of {len(pairs)} differ, marked >>)", "bold"),
           f"     {'student':<10} {'reference':<10} {'visibility':<{vis_w}}  test"]
    for pair in pairs:
        mark = ">>" if pair.differs else "  "
        sv, rv = _verdict(pair.student), _verdict(pair.reference)
        out.append(f"  {mark} {paint(sv.ljust(10), sv.split()[0])} "
                   f"{paint(rv.ljust(10), rv.split()[0])} {pair.visibility:<{vis_w}}  {pair.name}")
    return out


def _measured(comp: SideBySide, paint) -> list[str]:
    """Every test that measured something: its numbers, student | reference | expected."""
    measured = comp.measured
    if not measured:
        return []
    out = ["", paint("Measured numbers (student | reference | expected)", "bold")]
    for pair in measured:
        out.append(f"  {'>>' if pair.differs else '  '} {pair.name}")
        items = [("test duration", duration(pair.student), duration(pair.reference), ""),
                 *measurement_rows(pair)]
        short = [i for i in items if _fits(i)]
        label_w = min(max([len(i[0]) for i in short] or [0]), LABEL_WIDTH)
        value_w = min(max([len(i[1]) for i in short] or [0]), TERMINAL_VALUE_WIDTH)
        for label, sv, rv, exp in items:
            if not _fits((label, sv, rv, exp)):
                out += _long_row(label, sv, rv, exp)
                continue
            line = f"{INDENT}{label:<{label_w}}  {sv:<{value_w}} | {rv}"
            if exp:
                line += f" | expected {exp}"
            out.append(line)
    return out


def _fits(item: tuple[str, str, str, str]) -> bool:
    label, sv, rv, exp = item
    return (len(label) <= LABEL_WIDTH and max(len(sv), len(rv)) <= TERMINAL_VALUE_WIDTH
            and len(exp) <= 24)


def _long_row(label: str, sv: str, rv: str, exp: str) -> list[str]:
    """A measurement too long for the table, whole, each side on lines of its own (a
    value cut to '{'url': 'https://files.ck.test/...' says nothing)."""
    out = [f"{INDENT}{cut(label, 200)}:"]
    for side, value in (("student", sv), ("reference", rv), ("expected", exp)):
        if value:
            out += textwrap.wrap(" ".join(value.split()), width=100,
                                 initial_indent=f"{INDENT}  {side + ':':<11}",
                                 subsequent_indent=INDENT + " " * 13, break_long_words=True)
    return out


def _lanes(comp: SideBySide, paint) -> list[str]:
    """What the threads did in the tests the student lost, student above reference, on
    one time scale (the HTML page draws every test that has a timeline)."""
    lost = {p.nodeid for p in comp.lost}
    pairs = [p for p in lanes.pictured(comp) if p.nodeid in lost]
    if not pairs:
        return []
    out = ["", paint("What the threads did, student above reference (one time scale per test)",
                     "bold")]
    for pair in pairs:
        out.append(f"  {pair.name}  [{pair.function}]")
        out += [INDENT + line for line in lanes.lanes_text(pair)]
    return out


def _feedback(comp: SideBySide, paint) -> list[str]:
    """What the student was told for each test they lost, and what their code printed."""
    lost = comp.lost
    if not lost:
        return ["", paint("The student lost no points.", "bold")]
    out = ["", paint(f"What the student was told for the {len(lost)} test(s) they lost", "bold")]
    for pair in lost:
        s = pair.student
        also = "  (the reference failed it too)" if pair.reference and not pair.reference.passed else ""
        verdict = _verdict(s)
        out.append(f"  {paint(verdict, verdict.split()[0])}  {pair.name}  [{pair.function}]{also}")
        out += [INDENT + line for line in reports.test_body(s)]
        if s.output.strip():
            out.append(f"{INDENT}What the code printed during this test (last lines):")
            out += [f"{INDENT}| {line}" for line in s.output[-1500:].rstrip().splitlines()]
    return out


def _file(f: FileDiff, paint) -> list[str]:
    """The student's file against the stub and against the reference (or why not)."""
    if f.student is None:
        return ["", paint(f"{f.name}: not in the submission", "bold"), "  " + f.summary("stub")]
    out = []
    for which in ("stub", "reference"):
        title = f"{f.name}: the student's file against the {which}"
        if f.found_as and which == "stub":
            title += f" (graded from {f.found_as})"
        out += ["", paint(title, "bold")]
        summary = f.summary(which)
        if summary:
            out.append("  " + summary)
            continue
        lines = f.against(which)
        out += [_paint_diff(line, paint) for line in lines[:TERMINAL_DIFF_LINES]]
        if len(lines) > TERMINAL_DIFF_LINES:
            out.append(f"  ... {len(lines) - TERMINAL_DIFF_LINES} more diff lines: see the "
                       f"HTML report")
    return out


def _paint_diff(line: str, paint) -> str:
    if line.startswith(("---", "+++")):
        return paint(line, "bold")
    if line.startswith("@@"):
        return paint(line, "HANG")
    if line.startswith("+"):
        return paint(line, "PASS")
    if line.startswith("-"):
        return paint(line, "FAIL")
    return line
