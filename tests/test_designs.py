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

from autograder.instructor.readtests import scored_as_declared


def _designs():
    return [pytest.param(a, p, id=f"{a.slug}/{p.stem}")
            for a in ASSIGNMENTS for p in sorted(a.designs_dir.glob("*.py"))]


@pytest.mark.slow
@pytest.mark.parametrize("assignment, path", _designs())
def test_design_earns_its_declared_score(assignment, path, graded):
    grade = graded(assignment, path)
    problem = scored_as_declared(grade, path)
    assert problem is None, f"{problem}; scored {grade.score:g}/{grade.max_score:g}\n{explain(grade)}"
