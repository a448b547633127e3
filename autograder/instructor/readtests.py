"""The graded tests of an assignment as their files say, read without collecting or
running anything (dev check's eyes): each test's marks, its parametrized cases and their
ids, the timers its body calls; and the `Fails:` paragraph of a broken variant.

    graded_tests(path)        -> [GradedTest]   (a test file's module-level test_*)
    declared_failures(path)   -> {test names} or None

Marks are decorators (`@pytest.mark.points(3)`), or the module's `pytestmark` for the
visibility; cases are literal lists (`parametrize` over anything else counts as None).
tests/engine/test_devcheck.py checks this reading against pytest's own collection.
"""
from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from .. import KIT_ROOT

# A test that calls one of these measures time: it must run alone (@pytest.mark.timing).
TIMERS = {"time_call", "compare", "judge_with_yardstick", "timed_rounds",
          "measure_speedup", "decide_rounds",
          "interleave", "race"}
FAILS = re.compile(r"^Fails:\s*(.+?)(?:\n\s*\n|\Z)", re.M | re.S)


@dataclasses.dataclass(frozen=True)
class GradedTest:
    file: str
    name: str
    line: int
    points: float | None
    visibility: str | None
    timing: bool
    cases: int | None          # parametrized cases (1 when not), None when not literal
    doc: str
    timers: frozenset[str]     # the time-measuring helpers its body calls
    ids: tuple[str, ...] = ()  # its cases' ids (test_x[id]), when parametrized

    @property
    def nodenames(self) -> set[str]:
        """What a `Fails:` line may call it: the function, or one of its cases."""
        return {self.name} | {f"{self.name}[{i}]" for i in self.ids}


def kit_relative(path: Path) -> str:
    try:
        return path.relative_to(KIT_ROOT).as_posix()
    except ValueError:
        return str(path)


def declared_failures(path: Path) -> set[str] | None:
    """The tests a broken variant must fail: its docstring's `Fails:` paragraph."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    match = FAILS.search(doc)
    if not match:
        return None
    return {name.strip() for name in re.split(r"[,\s]+", match.group(1)) if name.strip()}


SCORES = re.compile(r"^\s*Scores:\s*([0-9.]+)", re.M)
TEST_NAME = re.compile(r"test_\w+(\[[^\]]*\])?")
BORDERLINE = re.compile(r"^\s*Borderline:\s*(.+?)(?:\n\s*\n|\Z)", re.M | re.S)


def declared_score(path: Path) -> float | None:
    """The points a hostile case or a design must get: its `Scores: N` line."""
    m = SCORES.search(path.read_bytes().decode("utf-8", errors="replace"))
    return float(m.group(1)) if m else None


def declared_borderline(path: Path) -> set[str]:
    """The tests whose verdict may go either way for a design (`Borderline:`); its
    `Scores:` counts them as passed."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    for match in BORDERLINE.finditer(doc):      # the paragraph of names, not prose
        names = {n for n in re.split(r"[,\s]+", match.group(1)) if n}
        if names and all(TEST_NAME.fullmatch(n) for n in names):
            return names
    return set()


def function_of(nodeid: str) -> str:
    """'tests/test_x.py::test_y[5]' -> 'test_y'"""
    return nodeid.split("::")[-1].split("[")[0]


def scored_as_declared(grade, path: Path) -> str | None:
    """None when `grade` (a scoring.Grade) is what the design's docstring declares: every
    test outside `Borderline:` scores as `Scores:` says (counting those as passed); else
    why not."""
    want = declared_score(path)
    if want is None:
        return f"{path.name} declares no 'Scores: N'"
    loose = declared_borderline(path)
    names = {function_of(r.info.nodeid) for r in grade.tests}
    if loose - names:
        return f"Borderline: names unknown tests {sorted(loose - names)}"
    steady = [r for r in grade.tests if function_of(r.info.nodeid) not in loose]
    loose_points = sum(r.max_score for r in grade.tests if r not in steady)
    got = sum(r.score for r in steady)
    if abs(got - (want - loose_points)) > 1e-9:
        return (f"{path.name}: {got:g} points outside its borderline tests, declared "
                f"{want - loose_points:g} (Scores: {want:g} less {loose_points:g} borderline)")
    return None


# ------------------------------------------------------------------ reading tests

def _mark(node: ast.expr) -> tuple[str, list[ast.expr]] | None:
    """('points', [args]) for `pytest.mark.points(3)`; ('timing', []) for the bare mark."""
    call = node if isinstance(node, ast.Call) else None
    target = call.func if call else node
    if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute)
            and target.value.attr == "mark"):
        return target.attr, list(call.args) if call else []
    return None


def _cases(args: list[ast.expr]) -> int | None:
    if len(args) >= 2 and isinstance(args[1], (ast.List, ast.Tuple)):
        return len(args[1].elts)
    return None


def _case_ids(deco: ast.Call) -> tuple[str, ...]:
    """The ids pytest gives a literal parametrize: `ids=[...]`, else the values joined
    by '-' (pytest's own rule for numbers and strings)."""
    for kw in deco.keywords:
        if kw.arg == "ids":
            try:
                return tuple(str(i) for i in ast.literal_eval(kw.value))
            except ValueError:
                return ()
    try:
        values = ast.literal_eval(deco.args[1])
    except (ValueError, IndexError):
        return ()
    several = "," in str(_literal(deco.args[:1]) or "")
    return tuple("-".join(str(x) for x in v) if several else str(v) for v in values)


def _literal(args: list[ast.expr]):
    try:
        return ast.literal_eval(args[0]) if args else None
    except ValueError:
        return None


def _module_visibility(tree: ast.Module) -> str | None:
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark"
                                                 for t in node.targets)):
            mark = _mark(node.value)
            if mark and mark[0] == "visibility":
                return _literal(mark[1])
    return None


def _timers(fn: ast.FunctionDef) -> frozenset[str]:
    called = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            called.add(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return frozenset(called & TIMERS)


def graded_tests(path: Path) -> list[GradedTest]:
    """The test functions of one test file, with their marks as written."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    default_visibility = _module_visibility(tree)
    out = []
    for fn in tree.body:
        if not (isinstance(fn, ast.FunctionDef) and fn.name.startswith("test_")):
            continue
        marks, ids = {}, ()
        for deco in fn.decorator_list:
            mark = _mark(deco)
            if mark:
                marks[mark[0]] = mark[1]
                if mark[0] == "parametrize" and isinstance(deco, ast.Call):
                    ids = _case_ids(deco)
        points = _literal(marks["points"]) if "points" in marks else None
        visibility = _literal(marks["visibility"]) if "visibility" in marks else default_visibility
        cases = _cases(marks["parametrize"]) if "parametrize" in marks else 1
        out.append(GradedTest(kit_relative(path), fn.name, fn.lineno,
                              points if isinstance(points, (int, float)) else None,
                              visibility, "timing" in marks, cases,
                              ast.get_docstring(fn) or "", _timers(fn), ids))
    return out
