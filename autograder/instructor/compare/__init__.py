"""`python -m autograder compare N PATH`: a submission beside the reference, for TAs.

"Why did I lose points?" Grade the student's submission and the reference solution in
one run, side by side, and show where they differ:

    python -m autograder compare 2 hw2/downloader.py [--html FILE] [--no-color]
    make compare ASSIGNMENT=2 SUBMISSION=hw2/downloader.py [HTML=FILE]

    model.py    the data (FileDiff, TestPair, SideBySide) and side_by_side(): both gradings
    text.py     render_text(): the terminal report
    html.py     render_html(): the HTML page (templates/page.html)

The two gradings run concurrently, one thread each calling runner.grade(). A test marked
@pytest.mark.timing has the machine to itself (machine_lock.py), so the student's and
the reference's timed tests take turns and are measured interleaved, under the same
conditions: a slower number on the student's side is the student's code, not a busier
minute. Ctrl-C cancels both gradings (runner.grade's `cancel`).

The terminal gets: a header (assignment, paths, both totals, when it ran, the CPU budget
from checks.timing.cpu_budget()), one line per test (visibility, the student's verdict and
points, the reference's, `>>` where they differ), the measured numbers of both side by
side, the student's feedback for every test they lost, and the student's file as a
unified diff against the stub and against the reference. A self-contained HTML page
(inline CSS and SVG, no script, nothing fetched) holds the same, plus a bar chart of
the timings. Colour only when stdout is a terminal and NO_COLOR is unset
(https://no-color.org/; terminal.use_colour()); --no-color forces it off.

Exit status: 0 when the comparison was made (whatever the scores; a reference that does
not earn full marks is reported loudly, not as a failure); 2 when it could not be made
(unknown assignment, unreadable submission, the grader could not run).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ... import manifest, runner, terminal
from ...files import atomic_write
from ...manifest import Assignment
from ...submission import SubmissionError
from ..records import safe_id
from .html import chart_svg, render_html
from .model import (FileDiff, SideBySide, TestPair, as_seconds, grade_both, measurement_rows,
                    read_files, side_by_side, timings)
from .text import render_text

__all__ = ["EXIT_CANNOT_COMPARE", "FileDiff", "SideBySide", "TestPair", "as_seconds",
           "chart_svg", "default_html_path", "grade_both", "main", "measurement_rows",
           "read_files", "render_html", "render_text", "side_by_side", "timings"]

EXIT_CANNOT_COMPARE = 2


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
        comp = side_by_side(assignment, path, budget=args.budget)
    except SubmissionError as exc:
        return _fail(f"cannot grade the submission: {exc}")
    except runner.GraderError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted: both gradings were stopped; nothing was written")

    print(render_text(comp, colour=terminal.use_colour() and not args.no_color))
    try:
        atomic_write(html_path, render_html(comp))
    except OSError as exc:
        return _fail(f"the comparison is above, but the HTML report could not be written to "
                     f"{html_path}: {exc}. Pass --html with a writable path.")
    print(f"\nHTML report: {html_path.resolve()}")
    if not comp.reference_full_marks:
        print(f"warning: {comp.reference_warning()}", file=sys.stderr)
    return 0

