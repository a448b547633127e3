"""`python -m autograder dev check`: every assignment against its files, in seconds,
without grading anything (rustlings' `dev check`). `make test` runs it first.

For every manifest entry:

    stub        each of its `files` under assignments/<slug>/, Python that parses, with
                the public functions of the reference, signature for signature
    README.md   the contract, with a title
    hints.md    MIN_HINTS hints or more, each citing the lesson with words it really has
    tests/      test_visible.py and test_hidden.py; every graded test with a docstring,
                `points` and `visibility` (visible in test_visible.py, not in
                test_hidden.py), `timing` when it measures time; the points sum to the
                manifest's; `cpu_speedup` declared when a test times CPU-bound work
    reference/  each of its files, Python that parses
    broken/     at least MIN_BROKEN variants, each with `Fails:` naming tests that exist
    golden/     a file per broken variant and `_stub.txt`, none left from a variant gone
    hostile/    every case says what it must score (`Scores: N`, within the points)
    designs/    the same, and `Borderline:` (if any) names tests that exist

Then the tree: every folder under assignments/, reference/ and tests/{broken,golden,
hostile,designs}/ belongs to a manifest entry; and the rooms: the grading core imports neither
room, the student's room never the instructor's (the release leaves that one out).

Tests are read, not collected (readtests.py): their marks are decorators, their cases
literal lists (`parametrize` over anything else is a finding: a case count must be read).
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import re
from pathlib import Path

from .. import console, manifest, paths
from ..student import hints
from .late import LatePolicy, LatePolicyError
from .readtests import (GradedTest, declared_borderline, declared_failures, declared_score,
                        graded_tests, kit_relative)

MIN_BROKEN = 5
MIN_HINTS = 3
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
TIMED_NAME = re.compile(r"speedup|faster|slower|_near_best|concurrently|parallelism")
# A suite that times CPU-bound work against the grader's pool (manifest's cpu_speedup).
CPU_BOUND = re.compile(r"cpu_bound\s*=\s*True|judge_with_yardstick")


@dataclasses.dataclass(frozen=True)
class Finding:
    where: str          # a path relative to the kit
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


# ------------------------------------------------------------------ one assignment

def _parses(path: Path, what: str) -> list[Finding]:
    if not path.is_file():
        return [Finding(kit_relative(path), f"missing: {what}")]
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as exc:
        return [Finding(kit_relative(path), f"{what} does not parse: {exc}")]
    return []


def _signatures(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_bytes())
    return {n.name: ast.unparse(n.args) for n in tree.body
            if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}


def check_stub_and_reference(a: manifest.Assignment) -> list[Finding]:
    out = []
    for name in a.files:
        stub = _parses(a.folder / name, "the stub students edit")
        ref = _parses(a.reference_dir / name, "the reference solution")
        out += stub + ref
        if stub or ref:
            continue
        mine, theirs = _signatures(a.folder / name), _signatures(a.reference_dir / name)
        for fn in sorted(set(mine) | set(theirs)):
            if mine.get(fn) != theirs.get(fn):
                out.append(Finding(kit_relative(a.folder / name), f"{fn}({mine.get(fn, 'missing')}) in the "
                                   f"stub, ({theirs.get(fn, 'missing')}) in the reference: one "
                                   f"contract, one signature"))
    return out


def check_readme(a: manifest.Assignment) -> list[Finding]:
    readme = a.folder / "README.md"
    if not readme.is_file():
        return [Finding(kit_relative(readme), "missing: the assignment's contract")]
    if not re.search(r"^# \S", readme.read_text(encoding="utf-8"), re.M):
        return [Finding(kit_relative(readme), "no title (a line '# ...')")]
    return []


def check_hints(a: manifest.Assignment) -> list[Finding]:
    where = kit_relative(a.folder / "hints.md")
    try:
        found = hints.load(a.folder)
    except hints.HintsError as exc:
        return [Finding(where, str(exc))]
    out = []
    if len(found) < MIN_HINTS:
        out.append(Finding(where, f"{len(found)} hint(s); at least {MIN_HINTS}, one more each time"))
    for h in found:
        if not h.citations:
            out.append(Finding(where, f"hint {h.number} cites no part of the lesson"))
        for c in h.citations:
            if c.quote and hints.locate(c, paths.LESSON) is None:
                out.append(Finding(where, f"hint {h.number} quotes \"{c.quote}\", which lesson "
                                          f"section {c.section} does not say"))
    return out


def _check_marks(t: GradedTest, visible_file: bool) -> list[Finding]:
    where, out = f"{t.file}:{t.line}", []
    if t.points is None or t.points <= 0:
        out.append(Finding(where, f"{t.name} has no @pytest.mark.points(n) with n > 0"))
    if t.visibility not in VISIBILITIES:
        out.append(Finding(where, f"{t.name} has no visibility (one of {', '.join(VISIBILITIES)})"))
    elif (t.visibility == "visible") != visible_file:
        out.append(Finding(where, f"{t.name} is '{t.visibility}' in "
                                  f"{'test_visible.py' if visible_file else 'test_hidden.py'}"))
    if not t.doc:
        out.append(Finding(where, f"{t.name} has no docstring (its first line says what it covers)"))
    if t.cases is None:
        out.append(Finding(where, f"{t.name} is parametrized over something that is not a "
                                  f"literal list: its cases (and points) cannot be counted"))
    if not t.timing and (t.timers or TIMED_NAME.search(t.name)):
        why = f"calls {', '.join(sorted(t.timers))}" if t.timers else "its name says it is timed"
        out.append(Finding(where, f"{t.name} measures time ({why}) but is not "
                                  f"@pytest.mark.timing (timed tests run alone)"))
    return out


def check_tests(a: manifest.Assignment) -> tuple[list[Finding], set[str]]:
    """What is wrong with the tests, and the names of every graded test."""
    out: list[Finding] = []
    tests: list[GradedTest] = []
    for name in ("test_visible.py", paths.HIDDEN_TESTS):
        path = a.tests_dir / name
        if not path.is_file():
            out.append(Finding(kit_relative(path), "missing"))
            continue
        try:
            found = graded_tests(path)
        except SyntaxError as exc:
            out.append(Finding(kit_relative(path), f"does not parse: {exc}"))
            continue
        tests += found
        out += [f for t in found for f in _check_marks(t, name == "test_visible.py")]
    total = sum((t.points or 0) * (t.cases or 1) for t in tests)
    if tests and abs(total - a.points) > 1e-9:
        out.append(Finding(kit_relative(a.tests_dir), f"the tests' points sum to {total:g}, the "
                                              f"manifest says {a.points:g}"))
    sources = "".join(p.read_text(encoding="utf-8") for p in sorted(a.tests_dir.glob("*.py")))
    if bool(CPU_BOUND.search(sources)) != a.cpu_speedup:
        out.append(Finding(kit_relative(paths.MANIFEST), f"assignment {a.number}: cpu_speedup is "
                           f"{str(a.cpu_speedup).lower()}, but its tests "
                           f"{'do' if not a.cpu_speedup else 'do not'} time CPU-bound work"))
    return out, {n for t in tests for n in t.nodenames}


def check_broken(a: manifest.Assignment, names: set[str]) -> list[Finding]:
    variants = sorted(a.broken_dir.glob("*.py"))
    out = []
    if len(variants) < MIN_BROKEN:
        out.append(Finding(kit_relative(a.broken_dir), f"{len(variants)} broken variant(s); at least "
                                               f"{MIN_BROKEN} show what the tests catch"))
    for v in variants:
        try:
            fails = declared_failures(v)
        except SyntaxError:
            fails = None      # a variant may be broken Python on purpose; its docstring too
        if not fails:
            out.append(Finding(kit_relative(v), "no 'Fails: test_a, test_b' paragraph in its docstring"))
            continue
        unknown = sorted(fails - names)
        if unknown:
            out.append(Finding(kit_relative(v), f"Fails: names no test of the assignment: "
                                        f"{', '.join(unknown)}"))
    return out


def check_golden(a: manifest.Assignment) -> list[Finding]:
    want = {v.stem for v in a.broken_dir.glob("*.py")} | {"_stub"}
    have = {g.stem for g in a.golden_dir.glob("*.txt")}
    out = [Finding(kit_relative(a.golden_dir / f"{n}.txt"), "missing: regenerate with CK_UPDATE_GOLDEN=1 "
                                                     "(CONTRIBUTING.md)") for n in sorted(want - have)]
    out += [Finding(kit_relative(a.golden_dir / f"{n}.txt"), "no broken variant of that name")
            for n in sorted(have - want)]
    return out


def check_scored(folder: Path, a: manifest.Assignment, names: set[str] | None = None
                 ) -> list[Finding]:
    """hostile/ and designs/: every case says the points it must get, within the total;
    a design's `Borderline:` names tests that exist (`names`)."""
    out = []
    for case in sorted(folder.glob("*.py")):
        score = declared_score(case)
        if score is None:
            out.append(Finding(kit_relative(case), "says no 'Scores: N' (the points it must get)"))
        elif score > a.points:
            out.append(Finding(kit_relative(case), f"Scores: {score:g} is more than the "
                                           f"{a.points:g} points of the assignment"))
        unknown = sorted(declared_borderline(case) - names) if names is not None else []
        if unknown:
            out.append(Finding(kit_relative(case), f"Borderline: names no test of the "
                                                   f"assignment: {', '.join(unknown)}"))
    return out


def check_late(a: manifest.Assignment) -> list[Finding]:
    """The manifest's late policy reads (a typo would only show when grades go out)."""
    try:
        LatePolicy.parse(a.late)
    except LatePolicyError as exc:
        return [Finding("assignments/manifest.toml", f"assignment {a.number}: {exc}")]
    return []


def check_assignment(a: manifest.Assignment) -> list[Finding]:
    found, names = check_tests(a)
    return (check_stub_and_reference(a) + check_readme(a) + check_hints(a) + found
            + check_broken(a, names) + check_golden(a) + check_scored(a.hostile_dir, a)
            + check_scored(a.designs_dir, a, names) + check_late(a))


# ------------------------------------------------------------------ the kit as a whole

def check_strays(assignments: list[manifest.Assignment]) -> list[Finding]:
    """Folders no manifest entry owns."""
    slugs = {a.slug for a in assignments}
    out = []
    for root in (paths.ASSIGNMENTS, paths.REFERENCE, paths.BROKEN, paths.GOLDEN, paths.HOSTILE,
                 paths.DESIGNS):
        for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else ():
            if folder.name not in slugs and not folder.name.startswith((".", "__")):
                out.append(Finding(kit_relative(folder), "no manifest entry has this slug "
                                                 "(assignments/manifest.toml)"))
    return out


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("student", "instructor") else "core"


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            out.append((node.lineno, target))
            out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return out


def check_rooms(engine: Path | None = None) -> list[Finding]:
    """The core imports neither room; the student's room never the instructor's."""
    engine = engine or paths.ENGINE
    allowed = {"core": {"core"}, "student": {"core", "student"},
               "instructor": {"core", "student", "instructor"}}
    out = []
    for path in sorted(engine.rglob("*.py")):
        rel = path.relative_to(engine.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        room = _room(module)
        for line, target in _imports(path, module):
            if target.startswith("autograder.") and _room(target) not in allowed[room]:
                out.append(Finding(f"{kit_relative(path)}:{line}", f"the {room} imports {target}, "
                                                          f"of the {_room(target)}'s room"))
    return sorted(set(out), key=str)


def check_all(numbers: list[int] | None = None) -> dict[str, list[Finding]]:
    """Findings by what they are about: each assignment, then 'the tree' and 'the rooms'."""
    assignments = manifest.load(paths.MANIFEST)
    out = {a.label: check_assignment(a) for a in assignments
           if not numbers or a.number in numbers}
    out["the tree"] = check_strays(assignments)
    out["the rooms"] = check_rooms()
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder dev",
                                description="the kit's own checks, for those who write it")
    sub = p.add_subparsers(dest="what", required=True)
    c = sub.add_parser("check", help="every assignment against its files, without grading")
    c.add_argument("--assignments", default="", help="numbers, comma-separated (default: all)")
    args = p.parse_args(argv)
    try:
        numbers = [int(x) for x in args.assignments.split(",") if x.strip()] or None
        report = check_all(numbers)
    except (ValueError, manifest.ManifestError) as exc:
        return console.fail(str(exc))
    problems = sum(len(v) for v in report.values())
    for about, findings in report.items():
        print(f"{'ok  ' if not findings else 'FAIL'}  {about}")
        for f in findings:
            print(f"      {f}")
    print(f"\ndev check: {problems} problem{'s' * (problems != 1)}" if problems
          else "\ndev check: every assignment matches its files")
    return 1 if problems else 0
