"""The kit grades what it should: for every assignment in the manifest (its files and
marks are `dev check`'s, which make test runs first; tests/engine/test_devcheck.py),

* the reference earns full marks, every time (graded once here; bench/stability.py
  grades it 20 times under load);
* the stub earns well below full marks (at most 65%), in bounded time, even though it hangs;
* every deliberately broken variant (tests/broken/<slug>/*.py) fails exactly the tests its
  docstring names under "Fails:", and so loses exactly their points;
* every failing message of a stub or a variant says what was measured, what was expected
  and the likely cause, and equals its golden file in tests/golden/ once normalised
  (CK_UPDATE_GOLDEN=1 regenerates them; tests/golden/__init__.py says what is normalised).
"""
from __future__ import annotations

import time
import warnings

import pytest
from conftest import ASSIGNMENTS, declared_failures, explain, slug_id
from golden import mismatch, structure_problems

from autograder import runner

REFERENCE_RUNS = 1   # repeats under load: bench/stability.py (bench/results/stability-*)


def _test_function(nodeid: str) -> str:
    """'tests/test_x.py::test_y[5]' -> 'test_y[5]'"""
    return nodeid.split("::")[-1]


@pytest.mark.slow
@pytest.mark.parametrize("run", range(REFERENCE_RUNS))
@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=slug_id)
def test_reference_earns_full_marks(assignment, run):
    grade = runner.grade(assignment, assignment.reference_dir)
    assert grade.score == grade.max_score, explain(grade)
    assert grade.complete


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=slug_id)
def test_stub_scores_well_below_full_in_bounded_time(assignment, graded):
    started = time.monotonic()
    grade = graded(assignment, assignment.folder)
    elapsed = time.monotonic() - started
    assert grade.score <= 0.65 * grade.max_score, explain(grade)
    assert grade.complete, "every test of the stub must get a verdict"
    assert elapsed - grade.waited < assignment.budget + 15   # its own time, not the queue's
    _says_what_failed(grade)
    _same_as_golden(grade, assignment, assignment.folder)


def _broken_variants():
    out = []
    for a in ASSIGNMENTS:
        for path in sorted(a.broken_dir.glob("*.py")):
            out.append(pytest.param(a, path, id=f"{a.slug}/{path.stem}"))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("assignment, path", _broken_variants())
def test_broken_variant_loses_exactly_its_points(assignment, path, graded):
    grade = graded(assignment, path)
    expected = declared_failures(path)
    known = {_test_function(r.info.nodeid) for r in grade.tests}
    assert expected <= known, f"'Fails:' names unknown tests: {sorted(expected - known)}"
    failed = {_test_function(r.info.nodeid) for r in grade.tests if not r.passed}
    assert failed == expected, (
        f"failed unexpectedly: {sorted(failed - expected)}; passed unexpectedly: "
        f"{sorted(expected - failed)}\n{explain(grade)}")
    lost = sum(r.max_score for r in grade.tests if _test_function(r.info.nodeid) in expected)
    assert grade.score == grade.max_score - lost
    _says_what_failed(grade)
    _same_as_golden(grade, assignment, path)


def _same_as_golden(grade, assignment, path):
    """The feedback equals its golden file (tests/golden). A message that changed differs
    again in a fresh grading; one that a race made differ this once (which items a drain
    lost, a list the normaliser has not met yet) does not, and is reported as a warning
    to teach the normaliser, not as a red CI (bench/golden_sweep.py measures how often)."""
    diff = mismatch(grade, assignment, path)
    if diff is None:
        return
    again = mismatch(runner.grade(assignment, path), assignment, path)
    assert again is None, f"{again}\n\n(the first grading differed too:)\n{diff}"
    warnings.warn(f"golden: one grading of {path} differed, a fresh one did not:\n{diff}", stacklevel=2)


def _says_what_failed(grade):
    """Every failing test's message says what was measured, what was expected and the
    likely cause (tests/golden: structure_problems); the golden files keep their words."""
    bad = []
    for r in grade.tests:
        if not r.passed:
            lacks = structure_problems(r.message)
            if lacks:
                bad.append(f"--- {r.info.nodeid} lacks {'; '.join(lacks)}:\n{r.message}")
    assert not bad, "feedback that does not teach:\n" + "\n".join(bad)
