"""Fixtures for assignment 5's tests. `student_function` comes from the kit's plugin."""
import pytest


@pytest.fixture
def crunch(student_function):
    return student_function("crunch")


@pytest.fixture(autouse=True)
def _fork_unless_the_test_says_otherwise(fork_by_default):
    """Every test but test_start_methods runs with `fork` on every Python: a fork-only
    solution loses the start-method points once, and nothing else."""


@pytest.fixture
def workers_cpu(ck_session):
    """workers_cpu() -> a crunch_kernel.Workers of the test's worker process: the kernel's
    count of the CPU each process under it used during the block, to the nanosecond, and
    how many worker processes were alive at once."""
    from crunch_kernel import Workers
    return lambda interval=0.01: Workers(ck_session, interval)
