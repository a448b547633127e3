"""Fixtures for the kit's own tests."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autograder import KIT_ROOT, manifest, runner

ASSIGNMENTS = manifest.load()


def slug_id(assignment):
    return assignment.slug


@pytest.fixture(scope="session")
def kit_root():
    return KIT_ROOT


_GRADES: dict = {}


@pytest.fixture(scope="session")
def graded():
    """graded(assignment, path, visibility="all") -> Grade, memoised for the session
    (a grading takes seconds; several tests look at the same one)."""
    def grade(assignment, path, visibility="all"):
        key = (assignment.slug, str(path), visibility)
        if key not in _GRADES:
            _GRADES[key] = runner.grade(assignment, path, visibility=visibility)
        return _GRADES[key]
    return grade


def explain(grade) -> str:
    """Every non-passing test with its message: what a failing kit test should print."""
    lines = []
    for r in grade.tests:
        if not r.passed:
            lines.append(f"--- {r.status}: {r.info.nodeid}\n{r.message}")
    return "\n".join(lines) or "(every test passed)"


def declared_failures(path: Path) -> set[str]:
    """The test functions a broken variant must fail: its docstring's 'Fails:' line(s)."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    match = re.search(r"^Fails:\s*(.+?)(?:\n\s*\n|\Z)", doc, re.M | re.S)
    assert match, f"{path.name}: docstring needs a 'Fails: test_a, test_b' paragraph"
    return {name.strip() for name in re.split(r"[,\s]+", match.group(1)) if name.strip()}
