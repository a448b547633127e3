"""`python -m autograder compare N PATH`: a submission beside the reference, for TAs.

"Why did I lose points?" Grade the student's submission and the reference solution in
one run, side by side, and show where they differ:

    python -m autograder compare 2 hw2/downloader.py [--html FILE] [--no-color]
    make compare ASSIGNMENT=2 SUBMISSION=hw2/downloader.py [HTML=FILE]

The two gradings run concurrently, one thread each calling runner.grade(). A test marked
@pytest.mark.timing has the machine to itself (machine_lock.py), so the student's and
the reference's timed tests take turns and are measured interleaved, under the same
conditions: a slower number on the student's side is the student's code, not a busier
minute. Ctrl-C cancels both gradings (runner.grade's `cancel`).

The terminal gets: a header (assignment, paths, both totals, when it ran, the CPU budget
from checks.timing.cpu_budget()), one row per test (visibility, the student's verdict and
points, the reference's, `>>` where they differ), the measured numbers of both side by
side, the student's feedback for every test they lost, and the student's file as a
unified diff against the stub and against the reference. A self-contained HTML page
(inline CSS and SVG, no script, nothing fetched) holds the same, plus a bar chart of
the timings.

Formats and conventions followed (checked against their documentation):
  * unified diffs: Python's difflib.unified_diff (docs.python.org/3/library/difflib.html),
    the `--- from / +++ to / @@ -a,b +c,d @@` format of GNU diff -u;
  * colour: only when stdout is a terminal and NO_COLOR is unset (https://no-color.org/:
    "when present and not an empty string ... prevents the addition of ANSI color");
    terminal.use_colour() implements it, --no-color forces it off;
  * HTML: every piece of text goes through html.escape(quote=True), student code
    included (it may contain `</script>`); the page carries a Content-Security-Policy
    <meta> with default-src 'none' (MDN, "Content-Security-Policy: style-src": inline
    styles need 'unsafe-inline'), so even a slip in escaping could not run a script or
    fetch anything;
  * the chart is SVG inlined in HTML, written without an xmlns attribute: the HTML
    parser puts <svg> in the SVG namespace by itself (svgo docs, "Remove XML Namespace":
    HTML ignores explicit namespaces), which keeps the page free of any URL of ours.

Exit status: 0 when the comparison was made (whatever the scores; a reference that does
not earn full marks is reported loudly, not as a failure); 2 when it could not be made
(unknown assignment, unreadable submission, the grader could not run).
"""
from __future__ import annotations

import argparse
import dataclasses
import difflib
import html
import os
import re
import sys
import tempfile
import textwrap
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from .. import manifest, reports, runner, terminal
from ..checks import timing
from ..manifest import Assignment
from .records import safe_id
from ..scoring import Grade, TestResult
from ..submission import SubmissionError, stage

EXIT_CANNOT_COMPARE = 2
TERMINAL_DIFF_LINES = 300    # per diff; the HTML page has all of it
TERMINAL_VALUE_WIDTH = 34    # measured values longer than this are cut in the terminal


# ------------------------------------------------------------------ the data

@dataclasses.dataclass
class FileDiff:
    """One of the assignment's files: the student's copy, the stub's, the reference's."""

    name: str
    student: str | None          # None: missing from the submission
    stub: str | None
    reference: str | None
    found_as: str = ""           # where grading found it in the submission ("" if missing)
    missing_note: str = ""       # what the submission held instead, when missing

    def against(self, which: str) -> list[str]:
        """Unified diff lines (no line ends) from the stub or reference to the student's file."""
        other = self.stub if which == "stub" else self.reference
        if self.student is None or other is None:
            return []
        return list(difflib.unified_diff(
            other.splitlines(), self.student.splitlines(),
            fromfile=f"{which}/{self.name}", tofile=f"student/{self.name}", lineterm=""))

    def summary(self, which: str) -> str:
        """One line for when there is no diff to show (missing, identical)."""
        other = self.stub if which == "stub" else self.reference
        if self.student is None:
            what = self.missing_note or f"{self.name} is missing from the submission"
            return (f"{what}. Nothing to compare; every test that imports "
                    f"{Path(self.name).stem} failed for that reason.")
        if other is None:
            return f"the {which} has no {self.name} (the kit is incomplete)"
        if other == self.student:
            if which == "stub":
                return (f"{self.name} is identical to the stub: the student handed in the "
                        f"starting code unchanged.")
            return f"{self.name} is identical to the reference."
        return ""


@dataclasses.dataclass
class Row:
    """One test, both sides."""

    nodeid: str
    name: str
    visibility: str
    points: float
    student: TestResult | None
    reference: TestResult | None

    @property
    def differs(self) -> bool:
        s, r = self.student, self.reference
        if s is None or r is None:
            return True
        return s.status != r.status or s.score != r.score

    @property
    def function(self) -> str:
        """'tests/test_x.py::test_y[5]' -> 'test_y[5]'"""
        return self.nodeid.split("::")[-1]


@dataclasses.dataclass
class Comparison:
    assignment: Assignment
    student_path: str
    reference_path: str
    student: Grade
    reference: Grade
    started: datetime            # UTC, when both gradings started
    wall: float                  # seconds, both gradings together
    cpu: str                     # checks.timing.cpu_budget().describe()
    files: list[FileDiff]

    @property
    def rows(self) -> list[Row]:
        ref = {t.info.nodeid: t for t in self.reference.tests}
        out = []
        for t in self.student.tests:
            out.append(Row(t.info.nodeid, t.info.name, t.info.visibility, t.info.points,
                           t, ref.pop(t.info.nodeid, None)))
        for t in ref.values():   # only if the two gradings collected different tests
            out.append(Row(t.info.nodeid, t.info.name, t.info.visibility, t.info.points,
                           None, t))
        return out

    @property
    def differing(self) -> list[Row]:
        return [r for r in self.rows if r.differs]

    @property
    def reference_full_marks(self) -> bool:
        return self.reference.score == self.reference.max_score and self.reference.complete

    def reference_warning(self) -> str:
        """The loud warning when the reference lost points ('' when it did not)."""
        if self.reference_full_marks:
            return ""
        lost = [t for t in self.reference.tests if not t.passed]
        names = "; ".join(f"{reports.STATUS_LABEL.get(t.status, t.status)} {t.info.name}"
                          for t in lost[:6])
        more = f" and {len(lost) - 6} more" if len(lost) > 6 else ""
        return (f"The REFERENCE solution scored {_pts(self.reference.score)}/"
                f"{_pts(self.reference.max_score)} in this run (lost: {names}{more}). "
                f"The reference earns full marks on a healthy machine, so this machine "
                f"(overloaded, throttled, too few CPUs: {self.cpu}) or the kit itself is "
                f"off, and the differences below may not be the student's fault. Re-run "
                f"when the machine is quiet; if the reference still loses points, run "
                f"`make test` and fix the kit before using this comparison.")


def _pts(x: float) -> str:
    return f"{x:g}"


# ------------------------------------------------------------- building it

def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def _where(origin: Path | None, submitted: Path, unzipped: Path) -> str:
    """Where grading found the file: a path, or 'hw.zip: folder/file.py' inside a zip."""
    if origin is None:
        return ""
    try:
        return f"{submitted}: {origin.relative_to(unzipped)}"
    except ValueError:
        return str(origin)


def read_files(assignment: Assignment, path: str | os.PathLike) -> list[FileDiff]:
    """The student's files, found exactly as grading finds them (submission.stage).

    Raises SubmissionError for a path that cannot be graded at all.
    """
    with tempfile.TemporaryDirectory(prefix=f"ck-compare-{assignment.number}-") as tmp:
        staged = stage(assignment, path, Path(tmp) / "submission")
        out = []
        for name in assignment.files:
            copy = staged.folder / name
            origin = staged.found.get(name)
            missing = next((n for n in staged.notes if n.startswith(f"{name} is missing")
                            or (name in n and "not graded" in n)), "")
            out.append(FileDiff(
                name=name,
                student=_read(copy) if copy.is_file() else None,
                stub=_read(assignment.folder / name),
                reference=_read(assignment.reference_dir / name),
                found_as=_where(origin, Path(path), Path(tmp) / "submission-unzipped"),
                missing_note=missing))
        return out


def grade_both(assignment: Assignment, path: str | os.PathLike, *, budget: float | None = None,
               grade=None) -> tuple[Grade, Grade, datetime, float]:
    """Grade the submission and the reference at the same time, one thread each.

    Raises what the student's grading raised (SubmissionError, GraderError); a reference
    that cannot be graded is a GraderError (the kit is broken, not the submission).
    """
    grade = grade or runner.grade
    runner.expected_tests(assignment)   # collect once, before the threads share the cache
    results: dict[str, Grade] = {}
    errors: dict[str, BaseException] = {}

    cancel = threading.Event()   # set on Ctrl-C: the runner kills both children

    def work(side: str, target) -> None:
        try:
            results[side] = grade(assignment, target, budget=budget, cancel=cancel)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            errors[side] = exc

    started = datetime.now(timezone.utc)
    t0 = time.monotonic()
    threads = [threading.Thread(target=work, args=("student", path), name="ck-compare-student",
                                daemon=True),
               threading.Thread(target=work, args=("reference", assignment.reference_dir),
                                name="ck-compare-reference", daemon=True)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except KeyboardInterrupt:
        cancel.set()
        for t in threads:
            if t.is_alive():
                t.join(30)
        raise
    wall = time.monotonic() - t0
    if "student" in errors:
        raise errors["student"]
    if "reference" in errors:
        exc = errors["reference"]
        raise runner.GraderError(
            f"the reference solution of assignment {assignment.number} "
            f"({assignment.reference_dir}) could not be graded, so there is nothing to "
            f"compare against: {exc}") from exc
    return results["student"], results["reference"], started, wall


def _display(path: str | os.PathLike) -> str:
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def compare(assignment: Assignment, path: str | os.PathLike, *,
            budget: float | None = None) -> Comparison:
    files = read_files(assignment, path)          # fails fast, before any grading
    student, reference, started, wall = grade_both(assignment, path, budget=budget)
    return Comparison(assignment=assignment, student_path=_display(path),
                      reference_path=_display(assignment.reference_dir),
                      student=student, reference=reference, started=started, wall=wall,
                      cpu=timing.cpu_budget().describe(), files=files)


# ------------------------------------------------------------ measurements

def _measured(result: TestResult | None) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for m in (result.measurements if result else []):
        out.setdefault(str(m["label"]), m)
    return out


def measurement_rows(row: Row) -> list[tuple[str, str, str, str]]:
    """(label, student value, reference value, expected) for every label either side measured."""
    s, r = _measured(row.student), _measured(row.reference)
    out = []
    for label in list(dict.fromkeys([*s, *r])):
        sm, rm = s.get(label), r.get(label)
        expected = next((m.get("expected") for m in (sm, rm)
                         if m is not None and m.get("expected") is not None), None)
        out.append((label, "-" if sm is None else str(sm["value"]),
                    "-" if rm is None else str(rm["value"]),
                    "" if expected is None else str(expected)))
    return out


_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?(?:e-?\d+)?)\s*(s|sec|seconds|ms)\s*$", re.I)


def as_seconds(value) -> float | None:
    """'0.30 s', '1.234s', '12.3 ms' -> seconds; anything else (counts, '4.87x') -> None."""
    if not isinstance(value, str):
        return None
    m = _SECONDS.match(value)
    if not m:
        return None
    number = float(m.group(1))
    return number / 1000 if m.group(2).lower() == "ms" else number


def timings(comp: Comparison) -> list[tuple[str, float | None, float | None]]:
    """What the chart shows: (label, student seconds, reference seconds).

    Every test's duration, and every measurement whose value is a time.
    """
    out = []
    for row in comp.rows:
        s, r = row.student, row.reference
        if (s and s.duration > 0) or (r and r.duration > 0):
            out.append((f"{row.name} (whole test)", s.duration if s else None,
                        r.duration if r else None))
        sm, rm = _measured(s), _measured(r)
        for label in dict.fromkeys([*sm, *rm]):
            sv = as_seconds(sm[label]["value"]) if label in sm else None
            rv = as_seconds(rm[label]["value"]) if label in rm else None
            if sv is not None or rv is not None:
                out.append((f"{row.name}: {label}", sv, rv))
    return out


def _secs(x: float | None) -> str:
    return "-" if x is None else timing.seconds(x)


def _verdict(result: TestResult | None) -> str:
    if result is None:
        return "(not collected)"
    label = reports.STATUS_LABEL.get(result.status, result.status.upper())
    return f"{label} {_pts(result.score)}/{_pts(result.max_score)}"


def _cut(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 3] + "..."


# --------------------------------------------------------------- terminal

def _ran_line(comp: Comparison) -> str:
    return (f"Both graded in the same run, concurrently, started "
            f"{comp.started:%Y-%m-%d %H:%M:%S} UTC (student {comp.student.duration:.1f} s, "
            f"reference {comp.reference.duration:.1f} s, {comp.wall:.1f} s in all). Timed "
            f"tests have the machine to themselves (the machine-wide lock), so the two "
            f"sides' timed tests took turns and were measured interleaved, under the same "
            f"conditions.")


def text(comp: Comparison, *, colour: bool = False) -> str:
    paint = terminal.painter(colour)
    out: list[str] = []
    a = comp.assignment
    out.append(paint(f"Compare: assignment {a.number}, {a.title}", "bold"))
    out.append(f"  student    {_pts(comp.student.score):>5}/{_pts(comp.student.max_score):<5} "
               f"{comp.student_path}")
    out.append(f"  reference  {_pts(comp.reference.score):>5}/{_pts(comp.reference.max_score):<5} "
               f"{comp.reference_path}")
    out.extend(textwrap.wrap(_ran_line(comp), width=100, initial_indent="  ",
                             subsequent_indent="  "))
    out.append(f"  CPU budget: {comp.cpu}")
    for note in comp.student.notes:
        out.append(f"  note (student): {note}")
    for note in comp.reference.notes:
        out.append(f"  note (reference): {note}")
    warning = comp.reference_warning()
    if warning:
        out.append("")
        out.append(paint("!" * 78, "FAIL"))
        out.append(paint(f"WARNING: {warning}", "FAIL"))
        out.append(paint("!" * 78, "FAIL"))

    # The table.
    rows = comp.rows
    vis_w = max([len("visibility")] + [len(r.visibility) for r in rows])
    out.append("")
    out.append(paint(f"Tests ({len(comp.differing)} of {len(rows)} differ, marked >>)", "bold"))
    out.append(f"     {'student':<10} {'reference':<10} {'visibility':<{vis_w}}  test")
    for row in rows:
        mark = ">>" if row.differs else "  "
        sv, rv = _verdict(row.student), _verdict(row.reference)
        s_label = sv.split()[0]
        r_label = rv.split()[0]
        line = (f"  {mark} {paint(sv.ljust(10), s_label)} {paint(rv.ljust(10), r_label)} "
                f"{row.visibility:<{vis_w}}  {row.name}")
        out.append(line)

    # Measured numbers, side by side.
    measured = [row for row in rows if measurement_rows(row)]
    if measured:
        out.append("")
        out.append(paint("Measured numbers (student | reference | expected)", "bold"))
        for row in measured:
            out.append(f"  {'>>' if row.differs else '  '} {row.name}")
            items = [("test duration", _secs(row.student.duration if row.student else None),
                      _secs(row.reference.duration if row.reference else None), "")]
            items += measurement_rows(row)
            label_w = min(max(len(i[0]) for i in items), 48)
            value_w = min(max(len(i[1]) for i in items), TERMINAL_VALUE_WIDTH)
            for label, sv, rv, exp in items:
                line = (f"       {_cut(label, 48):<{label_w}}  "
                        f"{_cut(sv, TERMINAL_VALUE_WIDTH):<{value_w}} | "
                        f"{_cut(rv, TERMINAL_VALUE_WIDTH)}")
                if exp:
                    line += f" | expected {_cut(exp, 24)}"
                out.append(line)

    # Feedback for what the student lost.
    lost = [row for row in rows if row.student is not None and not row.student.passed]
    out.append("")
    if lost:
        out.append(paint(f"What the student was told for the {len(lost)} test(s) they lost", "bold"))
        for row in lost:
            s = row.student
            also = "  (the reference failed it too)" if row.reference and not row.reference.passed else ""
            verdict = _verdict(s)
            out.append(f"  {paint(verdict, verdict.split()[0])}  {row.name}  [{row.function}]{also}")
            for line in reports.test_body(s):
                out.append("       " + line)
            if s.output.strip():
                out.append("       What the code printed during this test (last lines):")
                for line in s.output[-1500:].rstrip().splitlines():
                    out.append("       | " + line)
    else:
        out.append(paint("The student lost no points.", "bold"))

    # Diffs.
    for f in comp.files:
        if f.student is None:
            out.append("")
            out.append(paint(f"{f.name}: not in the submission", "bold"))
            out.append("  " + f.summary("stub"))
            continue
        for which in ("stub", "reference"):
            out.append("")
            title = f"{f.name}: the student's file against the {which}"
            if f.found_as and which == "stub":
                title += f" (graded from {f.found_as})"
            out.append(paint(title, "bold"))
            summary = f.summary(which)
            if summary:
                out.append("  " + summary)
                continue
            lines = f.against(which)
            for line in lines[:TERMINAL_DIFF_LINES]:
                out.append(_paint_diff(line, paint))
            if len(lines) > TERMINAL_DIFF_LINES:
                out.append(f"  ... {len(lines) - TERMINAL_DIFF_LINES} more diff lines: see the "
                           f"HTML report")
    return "\n".join(out)


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


# ------------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:75em;
 padding:0 1em;color:#1b1b1b;background:#fff}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
h3{font-size:1em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ddd;padding:.25em .55em;
 text-align:left;vertical-align:top}th{background:#f4f4f4}
tr.differs td{background:#fff4e5}tr.differs td.mark{color:#b35900;font-weight:bold}
.PASS{color:#17733a;font-weight:600}.FAIL{color:#b3261e;font-weight:600}
.HANG,.CRASH{color:#7b2cbf;font-weight:600}.SKIP{color:#8a6d00;font-weight:600}
.muted{color:#666}.nodeid{color:#666;font-size:.85em;font-family:ui-monospace,monospace}
.warning{border:3px solid #b3261e;background:#fdecea;padding:.8em 1em;font-weight:600}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:.6em;overflow-x:auto;
 font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre}
pre.diff span{display:block}pre.diff .add{background:#e6ffec}pre.diff .del{background:#ffebe9}
pre.diff .hunk{color:#0550ae;background:#ddf4ff}pre.diff .file{font-weight:bold}
td.value{font-family:ui-monospace,monospace;font-size:.9em;max-width:30em;overflow-wrap:anywhere}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.15em 1em}dl.meta dt{font-weight:600}
svg.chart{max-width:100%;height:auto}
dl.meta dd{margin:0}.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;
 vertical-align:middle}
"""

STUDENT_COLOUR = "#d9480f"
REFERENCE_COLOUR = "#1c7ed6"


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _verdict_html(result: TestResult | None) -> str:
    if result is None:
        return '<span class="muted">(not collected)</span>'
    label = reports.STATUS_LABEL.get(result.status, result.status.upper())
    return (f'<span class="{_e(label)}">{_e(label)}</span> '
            f'{_e(_pts(result.score))}/{_e(_pts(result.max_score))}')


def chart_svg(items: list[tuple[str, float | None, float | None]], width: int = 900) -> str:
    """Paired horizontal bars (student, reference) per item, inline SVG, text escaped."""
    if not items:
        return '<p class="muted">No test reported a duration or a time.</p>'
    top = max([v for _, s, r in items for v in (s, r) if v is not None] + [1e-9])
    bar_w, bar_h, label_h, gap = width - 110, 11, 15, 9
    row_h = label_h + 2 * bar_h + gap
    parts = [f'<svg class="chart" width="{width}" height="{row_h * len(items) + 4}" '
             f'viewBox="0 0 {width} {row_h * len(items) + 4}" role="img" '
             f'aria-label="test timings, student against reference" '
             f'font-family="system-ui,sans-serif" font-size="12">']
    for i, (label, s, r) in enumerate(items):
        y = i * row_h
        parts.append(f'<g><title>{_e(label)}: student {_e(_secs(s))}, '
                     f'reference {_e(_secs(r))}</title>')
        parts.append(f'<text x="0" y="{y + 12}" fill="#1b1b1b">{_e(_cut(label, 130))}</text>')
        for j, (value, colour, who) in enumerate(((s, STUDENT_COLOUR, "student"),
                                                  (r, REFERENCE_COLOUR, "reference"))):
            by = y + label_h + j * bar_h
            w = 0.0 if value is None else max(1.0, bar_w * value / top)
            parts.append(f'<rect x="0" y="{by}" width="{w:.1f}" height="{bar_h - 2}" '
                         f'fill="{colour}"><title>{who}: {_e(_secs(value))}</title></rect>')
            parts.append(f'<text x="{w + 5:.1f}" y="{by + bar_h - 3}" fill="#444" '
                         f'font-size="11">{_e(_secs(value))}</text>')
        parts.append('</g>')
    parts.append('</svg>')
    return "".join(parts)


def _diff_html(lines: list[str]) -> str:
    out = []
    for line in lines:
        cls = ("file" if line.startswith(("---", "+++")) else "hunk" if line.startswith("@@")
               else "add" if line.startswith("+") else "del" if line.startswith("-") else "ctx")
        out.append(f'<span class="{cls}">{_e(line) or " "}</span>')
    return '<pre class="diff">' + "".join(out) + "</pre>"


def html_page(comp: Comparison) -> str:
    a = comp.assignment
    rows = comp.rows
    p: list[str] = []
    title = f"Compare: assignment {a.number}, {a.title}: {comp.student_path}"
    p.append("<!DOCTYPE html>")
    p.append('<html lang="en"><head><meta charset="utf-8">')
    p.append('<meta http-equiv="Content-Security-Policy" '
             'content="default-src \'none\'; style-src \'unsafe-inline\'">')
    p.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    p.append(f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>")
    p.append(f"<h1>Assignment {_e(a.number)}: {_e(a.title)}, student beside reference</h1>")
    p.append('<dl class="meta">')
    p.append(f"<dt>student</dt><dd><strong>{_e(_pts(comp.student.score))}/"
             f"{_e(_pts(comp.student.max_score))}</strong> &nbsp; <code>{_e(comp.student_path)}</code></dd>")
    p.append(f"<dt>reference</dt><dd><strong>{_e(_pts(comp.reference.score))}/"
             f"{_e(_pts(comp.reference.max_score))}</strong> &nbsp; <code>{_e(comp.reference_path)}</code></dd>")
    p.append(f"<dt>graded</dt><dd>{_e(_ran_line(comp))}</dd>")
    p.append(f"<dt>CPU budget</dt><dd>{_e(comp.cpu)}</dd>")
    for who, grade in (("student", comp.student), ("reference", comp.reference)):
        for note in grade.notes:
            p.append(f"<dt>note ({who})</dt><dd>{_e(note)}</dd>")
    p.append("</dl>")
    warning = comp.reference_warning()
    if warning:
        p.append(f'<p class="warning">WARNING: {_e(warning)}</p>')

    p.append(f"<h2>Tests: {len(comp.differing)} of {len(rows)} differ</h2>")
    p.append("<table><thead><tr><th></th><th>test</th><th>visibility</th><th>student</th>"
             "<th>reference</th><th>student time</th><th>reference time</th></tr></thead><tbody>")
    for row in rows:
        cls = ' class="differs"' if row.differs else ""
        p.append(f"<tr{cls}><td class=\"mark\">{'&#8800;' if row.differs else ''}</td>"
                 f"<td>{_e(row.name)}<br><span class=\"nodeid\">{_e(row.nodeid)}</span></td>"
                 f"<td>{_e(row.visibility)}</td><td>{_verdict_html(row.student)}</td>"
                 f"<td>{_verdict_html(row.reference)}</td>"
                 f"<td>{_e(_secs(row.student.duration if row.student else None))}</td>"
                 f"<td>{_e(_secs(row.reference.duration if row.reference else None))}</td></tr>")
    p.append("</tbody></table>")

    p.append("<h2>Timings</h2>")
    p.append(f'<p class="legend"><span style="background:{STUDENT_COLOUR}"></span>student'
             f'<span style="background:{REFERENCE_COLOUR}"></span>reference '
             f'<span class="muted">&nbsp; each test\'s duration and every measured time, '
             f'in seconds; both measured in the same run</span></p>')
    p.append(chart_svg(timings(comp)))

    measured = [row for row in rows if measurement_rows(row)]
    if measured:
        p.append("<h2>Measured numbers</h2>")
        for row in measured:
            cls = ' class="differs"' if row.differs else ""
            p.append(f"<h3>{'&#8800; ' if row.differs else ''}{_e(row.name)}</h3>")
            p.append("<table><thead><tr><th>measured</th><th>student</th><th>reference</th>"
                     "<th>expected</th></tr></thead><tbody>")
            for label, sv, rv, exp in measurement_rows(row):
                p.append(f"<tr{cls}><td>{_e(label)}</td><td class=\"value\">{_e(sv)}</td>"
                         f"<td class=\"value\">{_e(rv)}</td><td class=\"value\">{_e(exp)}</td></tr>")
            p.append("</tbody></table>")

    lost = [row for row in rows if row.student is not None and not row.student.passed]
    p.append(f"<h2>What the student was told ({len(lost)} test(s) lost)</h2>")
    if not lost:
        p.append("<p>The student lost no points.</p>")
    for row in lost:
        s = row.student
        also = (' <span class="muted">(the reference failed it too)</span>'
                if row.reference and not row.reference.passed else "")
        p.append(f"<h3>{_verdict_html(s)} &nbsp;{_e(row.name)}{also}<br>"
                 f"<span class=\"nodeid\">{_e(row.nodeid)}</span></h3>")
        p.append(f"<pre>{_e(chr(10).join(reports.test_body(s)) or '(no message)')}</pre>")
        if s.output.strip():
            p.append("<p class=\"muted\">What the code printed during this test (last lines):</p>")
            p.append(f"<pre>{_e(s.output[-1500:])}</pre>")

    for f in comp.files:
        if f.student is None:
            p.append(f"<h2>{_e(f.name)}: not in the submission</h2><p>{_e(f.summary('stub'))}</p>")
            continue
        for which in ("stub", "reference"):
            heading = f"{f.name}: the student's file against the {which}"
            p.append(f"<h2>{_e(heading)}</h2>")
            if f.found_as and which == "stub":
                p.append(f"<p class=\"muted\">graded from {_e(f.found_as)}</p>")
            summary = f.summary(which)
            p.append(f"<p>{_e(summary)}</p>" if summary else _diff_html(f.against(which)))
    p.append(f'<p class="muted">concurrency-kit compare, {_e(f"{comp.started:%Y-%m-%d %H:%M:%S}")} UTC</p>')
    p.append("</body></html>")
    return "\n".join(p) + "\n"


# -------------------------------------------------------------------- CLI

def default_html_path(assignment: Assignment, path: str | os.PathLike) -> Path:
    """build/compare/compare-<N>-<student>.html under the current folder (build/ is git-ignored)."""
    p = Path(path)
    name = (p.resolve().name if p.is_dir() else p.stem) or "submission"
    return Path("build") / "compare" / f"compare-{assignment.number}-{safe_id(name)}.html"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m autograder compare",
        description="Grade a submission and the reference side by side, in one run, and "
                    "show where and why the submission lost points (for TAs).")
    p.add_argument("assignment", help="assignment number or slug")
    p.add_argument("path", nargs="?", default=None,
                   help="the submission: a folder, a .py file or a .zip")
    p.add_argument("--html", metavar="FILE", default=None,
                   help="write the HTML report here (default: build/compare/compare-N-<student>.html)")
    p.add_argument("--no-color", action="store_true", help="no ANSI colours in the terminal")
    p.add_argument("--budget", type=float, default=None,
                   help="override the manifest's wall-clock budget per grading (seconds)")
    return p


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CANNOT_COMPARE


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        assignment = manifest.get(args.assignment)
    except (manifest.ManifestError, manifest.UnknownAssignment) as exc:
        return _fail(str(exc))
    if not args.path:
        return _fail(f"which submission? Give its path: python -m autograder compare "
                     f"{assignment.number} path/to/{assignment.files[0]} "
                     f"(or: make compare ASSIGNMENT={assignment.number} SUBMISSION=path)")
    path = Path(args.path)
    if not path.exists():
        return _fail(f"no such file or folder: {path}")
    html_path = Path(args.html) if args.html else default_html_path(assignment, path)

    print(f"Grading {path} and the reference of assignment {assignment.number} side by side "
          f"(up to {assignment.budget:g} s)...", file=sys.stderr, flush=True)
    try:
        comp = compare(assignment, path, budget=args.budget)
    except SubmissionError as exc:
        return _fail(f"cannot grade the submission: {exc}")
    except runner.GraderError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted: both gradings were stopped; nothing was written")

    colour = terminal.use_colour() and not args.no_color
    print(text(comp, colour=colour))
    try:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = html_path.with_name(html_path.name + ".tmp")
        tmp.write_text(html_page(comp), encoding="utf-8")
        os.replace(tmp, html_path)
    except OSError as exc:
        return _fail(f"the comparison is above, but the HTML report could not be written to "
                     f"{html_path}: {exc}. Pass --html with a writable path.")
    print(f"\nHTML report: {html_path.resolve()}")
    if not comp.reference_full_marks:
        print(f"warning: {comp.reference_warning()}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
