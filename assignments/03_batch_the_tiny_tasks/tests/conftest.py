"""Fixtures for assignment 3's tests. `student_function`, `tree_cpu` and `fork_by_default`
come from the kit's plugin."""
import pytest


@pytest.fixture
def parallel_map(student_function):
    return student_function("parallel_map")


@pytest.fixture(autouse=True)
def _fork_unless_the_test_says_otherwise(fork_by_default):
    """Every test but test_start_methods runs with `fork` on every Python: a fork-only
    solution loses the start-method points once, and nothing else."""
