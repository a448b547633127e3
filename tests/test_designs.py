"""Designs the reference does not use are graded right (tests/designs/<slug>/*.py).

Each file is a submission the kit has to judge on behaviour, not on the reference's shape:
a correct alternative (Pool, ThreadPool, executor.map, asyncio, semaphores, hand-made
threads...) that must earn full marks, a subtle bug that must lose exactly some points, or
a design near a timing threshold. Its docstring says what it must score (`Scores: N`) and
may name tests whose verdict can go either way for it (`Borderline: test_a, test_b`):
`Scores:` counts those as passed, and every other test must score exactly as declared.
Graded once here; bench/stability.py grades each 20 times under load and checks that a
borderline verdict that changes is flagged for the instructor.
"""
from __future__ import annotations

import pytest
from conftest import ASSIGNMENTS, explain

from autograder.instructor.readtests import declared_borderline, declared_score


def _designs():
    return [pytest.param(a, p, id=f"{a.slug}/{p.stem}")
            for a in ASSIGNMENTS for p in sorted(a.designs_dir.glob("*.py"))]


def scored_as_declared(grade, path) -> str | None:
    """None when `grade` is what the design's docstring declares, else why not."""
    want = declared_score(path)
    if want is None:
        return f"{path.name} declares no 'Scores: N'"
    loose = declared_borderline(path)
    names = {r.info.nodeid.split("::")[-1].split("[")[0] for r in grade.tests}
    if loose - names:
        return f"Borderline: names unknown tests {sorted(loose - names)}"
    steady = [r for r in grade.tests if r.info.nodeid.split("::")[-1].split("[")[0] not in loose]
    loose_points = sum(r.max_score for r in grade.tests if r not in steady)
    got = sum(r.score for r in steady)
    if abs(got - (want - loose_points)) > 1e-9:
        return (f"{path.name}: {got:g} points outside its borderline tests, declared "
                f"{want - loose_points:g} (Scores: {want:g} less {loose_points:g} borderline)")
    return None


@pytest.mark.slow
@pytest.mark.parametrize("assignment, path", _designs())
def test_design_earns_its_declared_score(assignment, path, graded):
    grade = graded(assignment, path)
    problem = scored_as_declared(grade, path)
    assert problem is None, f"{problem}; scored {grade.score:g}/{grade.max_score:g}\n{explain(grade)}"
