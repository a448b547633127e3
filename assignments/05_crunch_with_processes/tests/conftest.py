"""Fixtures for assignment 5's tests. `student_function` comes from the kit's plugin."""
import pytest


@pytest.fixture
def crunch(student_function):
    return student_function("crunch")


@pytest.fixture(autouse=True)
def _fork_unless_the_test_says_otherwise(fork_by_default):
    """Every test but test_start_methods runs with `fork` on every Python: a fork-only
    solution loses the start-method points once, and nothing else."""
