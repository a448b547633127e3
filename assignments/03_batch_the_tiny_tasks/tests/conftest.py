"""Fixtures for assignment 3's tests."""
import pytest


@pytest.fixture
def parallel_map(student, feedback):
    """The student's parallel_map, or a clear failure if it is missing."""
    fn = getattr(student, "parallel_map", None)
    if not callable(fn):
        feedback.fail("batching.py has no function parallel_map().",
                      expected="def parallel_map(func, items, max_workers=None) -> list",
                      cause="the function was renamed or deleted; keep the stub's signature")
    return fn
