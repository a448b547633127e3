"""Grade one submission at the terminal: what `check` (the student's, visible tests) and
`grade` (the instructor's, every test) share.

    add_options(parser)                 the assignment, the path and the common options
    run(args, visibility, ...)          grade, print the report (or results.json, or
                                        Classroom's runner JSON), exit code

Exit status: 0 whenever grading completed, whatever the score; 2 when the grader could
not grade (no such assignment, unreadable path, broken test suite); 130 on Ctrl-C.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path
from collections.abc import Callable

from . import interpreters, manifest, reports, runner, shards, terminal
from .scoring import Grade
from .submission import SubmissionError

EXIT_CANNOT_GRADE = 2
EXIT_INTERRUPTED = 130


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CANNOT_GRADE


def add_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("assignment", help="assignment number or slug (see `list`)")
    sp.add_argument("path", nargs="?", default=None,
                    help="submission: a folder, a .py file or a .zip "
                         "(default: the assignment's working copy under assignments/)")
    sp.add_argument("--results", metavar="FILE",
                    help="also write Gradescope results.json to FILE")
    sp.add_argument("--format", choices=("text", "json", "classroom"), default="text",
                    help="what to print: the report (text), results.json (json), or GitHub "
                         "Classroom's runner JSON for autograding-grading-reporter (classroom)")
    sp.add_argument("--json", action="store_const", const="json", dest="format",
                    help="the same as --format json")
    sp.add_argument("--budget", type=float, default=None,
                    help="override the manifest's wall-clock budget (seconds)")
    sp.add_argument("--python", metavar="PATH", default=None,
                    help="run the student's code under this CPython (3.10+; the tests "
                         "stay on the kit's): e.g. /usr/bin/python3.13, or one inside a "
                         "chroot such as /srv/sid/usr/bin/python3.14")


class Ticker:
    """The status line that says which test runs now; erased when done."""

    def __init__(self, tests: list, stream=None):
        self.names = {t.nodeid: t.name for t in tests}
        self.total = len(tests)
        self.done = 0
        self.line = terminal.StatusLine(stream or sys.stderr)

    def __call__(self, event: dict) -> None:
        if event.get("event") == "result":
            self.done += 1
        if event.get("event") == "start":
            name = self.names.get(event.get("nodeid"), "")
            self.line.show(f"running test {self.done + 1}/{self.total}: {name}")

    def clear(self) -> None:
        self.line.clear()


def run(args, visibility: str, **kw) -> int:
    """run_report(), with --format classroom answering runner JSON even when nothing
    could be graded (the reporter reads every runner's output)."""
    if args.format != "classroom":
        return run_report(args, visibility, **kw)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = run_report(args, visibility, **kw)
    sys.stderr.write(err.getvalue())
    if code != 0:
        reason = err.getvalue().strip().removeprefix("error: ") or f"exit status {code}"
        print(json.dumps(reports.classroom_error(_visible_points(args.assignment, visibility),
                                                 f"assignment {args.assignment}", reason)))
    return code


def _visible_points(assignment: str, visibility: str) -> float:
    try:
        return sum(t.points for t in runner.expected_tests(manifest.get(assignment), visibility))
    except Exception:           # no such assignment, a broken suite: the reporter still reads it
        return 0


def run_report(args, visibility: str, *,
        durations: Callable[[manifest.Assignment], dict] | None = None,
        after: Callable[[manifest.Assignment, Path | None, Grade], list[str]] | None = None) -> int:
    """Grade `args.path` for `args.assignment` and print the report. `durations(a)` are
    the last check's test durations (to balance its parts); `after(a, path, grade)`
    returns the lines that end the report (the student's footer)."""
    try:
        assignment = manifest.get(args.assignment)
    except (manifest.ManifestError, manifest.UnknownAssignment) as exc:
        return fail(str(exc))
    path = Path(args.path) if args.path else None
    if path is not None and not path.exists():
        return fail(f"no such file or folder: {path}")
    python = None
    if args.python:
        try:
            python = interpreters.probe(args.python, needs=interpreters.needs(assignment))
        except interpreters.InterpreterError as exc:
            return fail(str(exc))
    grade = _grade(args, assignment, path, visibility, python,
                   durations(assignment) if durations else None)
    if isinstance(grade, int):
        return grade
    footer = after(assignment, path, grade) if after else []
    _report(args, assignment, path, grade, footer)
    return 0


def _grade(args, assignment, path, visibility, python, durations) -> Grade | int:
    ticker = Ticker(runner.expected_tests(assignment, visibility)) if args.format == "text" else None
    try:
        return shards.grade_interruptibly(assignment, path, visibility=visibility,
                                          budget=args.budget, progress_cb=ticker,
                                          python=python, durations=durations)
    except (SubmissionError, runner.GraderError, interpreters.InterpreterError) as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        if ticker:
            ticker.clear()
        print("stopped: the tests were interrupted (Ctrl-C); nothing was recorded.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if ticker:
            ticker.clear()


def _report(args, assignment, path, grade: Grade, footer: list[str]) -> None:
    data = reports.gradescope(grade)
    if args.results:
        reports.write_json(data, args.results)
    if args.format == "json":
        print(json.dumps(data, indent=2))
        return
    if args.format == "classroom":
        print(json.dumps(reports.classroom(grade)))
        return
    source = str(path) if path else f"assignments/{assignment.slug}"
    width = terminal.width_of()
    print(reports.text(grade, colour=terminal.use_colour(), source=source, width=width))
    for line in footer:
        print("\n".join(terminal.wrap(line, width)))
    if args.results:
        print(f"results.json written to {args.results}")
