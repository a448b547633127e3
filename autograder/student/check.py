"""`make check ASSIGNMENT=N`: the visible tests, then where the student stands.

    check N [PATH]    the grader's own points and messages for the visible tests, then
                      the points so far, the hidden tests that exist (how many, one line
                      each, never their content) and what to do next

The student's file is the working copy `assignments/<slug>/<file>`; what it scored is
kept by progress.py (a check of any other path records nothing).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
from pathlib import Path

from .. import console, paths, reports, runner
from ..manifest import Assignment
from ..scoring import Grade
from . import hints, progress

HIDDEN_SUMMARY = paths.HIDDEN_SUMMARY


def working_file(a: Assignment) -> Path:
    return a.folder / a.files[0]


def is_working_copy(a: Assignment, path: str | os.PathLike | None) -> bool:
    """Is `path` the student's own working copy (None: it is)?"""
    if path is None:
        return True
    try:
        p = Path(path).resolve()
    except OSError:
        return False
    return p in (a.folder.resolve(), working_file(a).resolve())



# --------------------------------------------------------------------------- hidden tests

@dataclasses.dataclass(frozen=True)
class HiddenGroup:
    about: str           # one line: what the tests cover (their docstring's first line)
    tests: int
    points: float


def hidden_tests(a: Assignment) -> list[HiddenGroup]:
    """The hidden tests that exist, grouped by what they cover. In the kit they are
    collected (no student code runs); a student release carries only this summary."""
    summary = a.tests_dir / HIDDEN_SUMMARY
    if not (a.tests_dir / paths.HIDDEN_TESTS).exists():
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
            return [HiddenGroup(str(g["about"]), int(g["tests"]), float(g["points"]))
                    for g in data]
        except (OSError, ValueError, KeyError, TypeError):
            return []
    groups: dict[str, list[float]] = {}
    for t in runner.expected_tests(a, "all"):
        if t.visibility != "visible":
            groups.setdefault(t.doc or t.name, []).append(t.points)
    return [HiddenGroup(about, len(pts), sum(pts)) for about, pts in groups.items()]


def hidden_summary_json(a: Assignment) -> str:
    return json.dumps([dataclasses.asdict(g) for g in hidden_tests(a)], indent=1) + "\n"


# --------------------------------------------------------------------------- after a check

def visible_score(grade: Grade) -> tuple[float, float]:
    vis = [t for t in grade.tests if t.info.visibility == "visible"]
    return sum(t.score for t in vis), sum(t.max_score for t in vis)


def footer(a: Assignment, grade: Grade, before: dict | None, *,
           list_hidden: bool = True) -> list[str]:
    """What ends a check: points so far, the hidden tests (one line each unless
    `list_hidden` is False: `make watch` has one screen), what to do next."""
    score, top = visible_score(grade)
    lines = [f"Points so far: {reports.pts(score)} of the {reports.pts(top)} the visible tests give "
             f"(the assignment is worth {reports.pts(a.points)} with the hidden tests)."]
    if before and before.get("best") is not None and before.get("max") == top:
        best = float(before["best"])
        if best > score:
            when = progress.ago(before.get("best_at"))
            lines.append(f"Your best so far: {reports.pts(best)}/{reports.pts(top)} ({when}); "
                         f"this version scores less.")
        elif before.get("last") is not None and score > float(before["last"]):
            lines.append(f"Up from {reports.pts(float(before['last']))}/{reports.pts(top)} "
                         f"at your last check.")
    hidden = hidden_tests(a)
    if hidden:
        n, pts = sum(g.tests for g in hidden), sum(g.points for g in hidden)
        when = ("when your instructor grades" if paths.in_release() else
                "by `make grade` and when your instructor grades")
        lines.append(f"Hidden tests: {n} more test{'s' * (n != 1)} worth {reports.pts(pts)} points, "
                     f"run {when}." + (" They cover:" if list_hidden else ""))
        for g in hidden if list_hidden else ():
            many = f" ({g.tests} tests)" if g.tests > 1 else ""
            unit = "pt " if g.points == 1 else "pts"
            lines.append(f"  {reports.pts(g.points):>3} {unit}  {g.about}{many}")
    failing = [t for t in grade.tests if not t.passed]
    if failing:
        shown, total = progress.hints_shown(a.slug), hint_count(a)
        nxt = (f"`make hint ASSIGNMENT={a.number}` (hint {min(shown + 1, total)} of {total})"
               if total else "")
        lines.append(f"Next: the first FAIL above{'; stuck? ' + nxt if nxt else ''}.")
    elif hidden:
        lines.append("Every visible test passes. The hidden tests try other inputs and sizes: "
                     "re-read the contract in the README for cases you have not tried.")
    return lines


def hint_count(a: Assignment) -> int:
    try:
        return len(hints.load(a.folder))
    except hints.HintsError:
        return 0


def record(a: Assignment, path, grade: Grade) -> dict:
    """Keep the visible score of a grading of the working copy; the entry before it."""
    if not is_working_copy(a, path):
        return {}                 # another file: the student's own history says nothing of it
    if not grade.complete:
        return progress.get(a.slug)
    score, top = visible_score(grade)
    durations = {r.info.nodeid: round(r.duration or a.test_timeout, 2) for r in grade.tests}
    return progress.record_check(a.slug, score, top, progress.sha(working_file(a)),
                                 durations=durations)



def _after(a: Assignment, path, grade: Grade) -> list[str]:
    return footer(a, grade, record(a, path, grade))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder check",
                                description="run the visible tests of an assignment")
    console.add_options(p)
    args = p.parse_args(argv)
    return console.run(args, "visible", durations=_durations, after=_after)


def _durations(a: Assignment) -> dict:
    return progress.get(a.slug).get("durations") or {}
