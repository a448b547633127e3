"""`python -m autograder COMMAND ...`: the commands behind the make targets.

The grading core answers `list` and `sandbox` itself; every other command belongs to a
room (autograder/student/, autograder/instructor/), whose COMMANDS table names the module
that runs it (its `main(argv)` parses its own options). A room that is not there (the
student release has no instructor room) adds nothing: `--help` lists what is here.

Exit status: 0 whenever the command did its work (grading completed, whatever the
score); 2 when it could not (no such assignment, unreadable path, broken test suite).
"""
from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from pathlib import Path

from . import console, manifest, paths
from .console import EXIT_CANNOT_GRADE  # noqa: F401 (the exit status callers test)

ROOMS = ("student", "instructor")
CORE = {
    "list": "list the assignments",
    "sandbox": "what a grading runs in on this machine (jail layers)",
}


def rooms() -> dict[str, tuple[str, str]]:
    """command -> (module, one line of help), for every room this checkout has."""
    out: dict[str, tuple[str, str]] = {}
    for room in ROOMS:
        name = f"{__package__}.{room}"
        try:
            package = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue                      # the student release has no instructor room
        for command, (module, about) in package.COMMANDS.items():
            out[command] = (f"{name}.{module}", about)
    return out


def _parser(commands: dict[str, tuple[str, str]]) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder",
                                description="concurrency-kit: grade Python concurrency assignments")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, about in CORE.items():
        sub.add_parser(name, help=about)
    for name, (_, about) in commands.items():
        sub.add_parser(name, help=about, add_help=False)
    return p


def _list() -> int:
    for a in manifest.load():
        print(f"{a.number:>2}  {a.slug:<32} {a.points:g} points  {a.title}")
    return 0


def _sandbox() -> int:
    from . import jail
    with tempfile.TemporaryDirectory(prefix="ck-sandbox-") as tmp:
        with jail.confine(Path(tmp), budget=120) as cell:
            print("A grading on this machine runs its tests in (README, \"Untrusted submissions\"):")
            for line in cell.describe():
                print("  " + line)
    return 0


def _unknown(command: str, known: list[str]) -> int:
    where = ("This is the student release: it has the student's commands only. Grading "
             "with the hidden tests, batches and the LMS stay with your instructor."
             if paths.in_release() else "See `python -m autograder --help`.")
    return console.fail(f"no command `{command}` here; the commands are "
                        f"{', '.join(known)}. {where}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = rooms()
    if argv and argv[0] in commands:
        return importlib.import_module(commands[argv[0]][0]).main(argv[1:])
    if argv and argv[0] not in CORE and not argv[0].startswith("-"):
        return _unknown(argv[0], [*CORE, *commands])
    args = _parser(commands).parse_args(argv)
    try:
        return _list() if args.command == "list" else _sandbox()
    except manifest.ManifestError as exc:
        return console.fail(str(exc))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
