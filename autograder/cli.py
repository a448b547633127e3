"""`python -m autograder ...`: the commands behind the make targets.

    grade N [PATH] [--results FILE] [--json]   every test, visible and hidden
    check N [PATH]                             visible tests only: the student's loop
    watch N [PATH]                             check again on every save (watch.py)
    hint N [--number K]                        the next hint, with where the lesson says it
    status                                     every assignment: best visible score, hints
    reset N                                    the student's file back to the stub
    list                                       the assignments in the manifest
    batch N PATH --out DIR                     a whole LMS download (batch.py)
    compare N PATH [--html FILE]               a submission beside the reference (compare.py)
    gradescope N [--out DIR]                   the Gradescope autograder zip (gradescope.py)
    nbgrader [--out DIR]                       an nbgrader course (nbgrader_course.py)
    student-release [--out DIR]                what students get: folder and zip (release.py)

Each of the last five lives in its own module with its own options
(`python -m autograder batch --help`).

Exit status: 0 whenever grading completed, whatever the score; 2 when the grader could
not grade (no such assignment, unreadable path, broken test suite).
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path

from . import hints, interpreters, manifest, reports, runner, student
from .submission import SubmissionError

EXIT_CANNOT_GRADE = 2

# command -> (module, one line of help); the module's main(argv) parses its own options.
TOOLS = {
    "batch": ("batch", "grade every submission of an LMS download, write grades and exports"),
    "compare": ("compare", "grade a submission and the reference side by side (for TAs)"),
    "gradescope": ("gradescope", "build the Gradescope autograder zip of an assignment"),
    "nbgrader": ("nbgrader_course", "build an nbgrader course from the kit"),
    "student-release": ("release", "build what students get: stubs, visible tests, hints, engine"),
    "watch": ("watch", "run the visible tests again every time the student's file is saved"),
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder",
                                description="concurrency-kit: grade Python concurrency assignments")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("assignment", help="assignment number or slug (see `list`)")
        sp.add_argument("path", nargs="?", default=None,
                        help="submission: a folder, a .py file or a .zip "
                             "(default: the assignment's working copy under assignments/)")
        sp.add_argument("--results", metavar="FILE",
                        help="also write Gradescope results.json to FILE")
        sp.add_argument("--json", action="store_true", help="print results.json instead of text")
        sp.add_argument("--budget", type=float, default=None,
                        help="override the manifest's wall-clock budget (seconds)")
        sp.add_argument("--python", metavar="PATH", default=None,
                        help="run the student's code under this CPython (3.10+; the tests "
                             "stay on the kit's): e.g. /usr/bin/python3.13, or one inside a "
                             "chroot such as /srv/sid/usr/bin/python3.14")

    common(sub.add_parser("grade", help="run every graded test (visible and hidden)"))
    common(sub.add_parser("check", help="run the visible tests only (fast feedback)"))
    h = sub.add_parser("hint", help="the next hint of an assignment (one more each time)")
    h.add_argument("assignment")
    h.add_argument("--number", type=int, default=None, help="show hint K again")
    sub.add_parser("status", help="every assignment: best visible score, last check, hints")
    r = sub.add_parser("reset", help="the student's file back to the stub (old one kept)")
    r.add_argument("assignment")
    sub.add_parser("list", help="list the assignments")
    sub.add_parser("sandbox", help="what a grading runs in on this machine (jail layers)")
    for name, (_, about) in TOOLS.items():
        sub.add_parser(name, help=about, add_help=False)
    return p


def _sandbox() -> int:
    import tempfile

    from . import jail
    with tempfile.TemporaryDirectory(prefix="ck-sandbox-") as tmp:
        with jail.confine(Path(tmp), budget=120) as cell:
            print("A grading on this machine runs its tests in (README, \"Untrusted submissions\"):")
            for line in cell.describe():
                print("  " + line)
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CANNOT_GRADE


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in TOOLS:
        name = f"{__package__}.{TOOLS[argv[0]][0]}"
        if importlib.util.find_spec(name) is None:     # release.py leaves it out
            return _fail(f"`{argv[0]}` is an instructor's tool; it is not part of the "
                         f"student release")
        return importlib.import_module(name).main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            for a in manifest.load():
                print(f"{a.number:>2}  {a.slug:<32} {a.points:g} points  {a.title}")
            return 0
        if args.command == "sandbox":
            return _sandbox()
        if args.command == "status":
            print(student.status(colour=reports.use_colour()))
            return 0
        assignment = manifest.get(args.assignment)
        if args.command == "hint":
            print(student.hint(assignment, args.number))
            return 0
        if args.command == "reset":
            print(student.reset(assignment))
            return 0
    except (manifest.ManifestError, manifest.UnknownAssignment, hints.HintsError,
            student.ResetError) as exc:
        return _fail(str(exc))
    return _grade(args, assignment)


def _grade(args, assignment) -> int:
    path = Path(args.path) if args.path else None
    if path is not None and not path.exists():
        return _fail(f"no such file or folder: {path}")
    if args.command == "grade" and student.release():
        return _fail("the hidden tests are not in the student release: your instructor runs "
                     f"them. `make check ASSIGNMENT={assignment.number}` runs the visible ones.")
    visibility = "visible" if args.command == "check" else "all"
    python = None
    if args.python:
        try:
            python = interpreters.probe(args.python, needs=interpreters.needs(assignment))
        except interpreters.InterpreterError as exc:
            return _fail(str(exc))
    ticker = student.Ticker(runner.expected_tests(assignment, visibility)) \
        if not args.json else None
    try:
        grade = student.grade_interruptibly(assignment, path, visibility=visibility,
                                            budget=args.budget, progress_cb=ticker,
                                            python=python)
    except SubmissionError as exc:
        return _fail(str(exc))
    except (runner.GraderError, interpreters.InterpreterError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        if ticker:
            ticker.clear()
        print("stopped: the tests were interrupted (Ctrl-C); nothing was recorded.",
              file=sys.stderr)
        return 130
    finally:
        if ticker:
            ticker.clear()
    before = student.record(assignment, path, grade)

    data = reports.gradescope(grade)
    if args.results:
        reports.write_json(data, args.results)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        source = str(path) if path else f"assignments/{assignment.slug}"
        width = reports.width_of()
        print(reports.text(grade, colour=reports.use_colour(), source=source, width=width))
        if args.command == "check":
            for line in student.footer(assignment, grade, before):
                print("\n".join(reports.wrap(line, width)))
        if args.results:
            print(f"results.json written to {args.results}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
