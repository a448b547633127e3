"""Fixtures for assignment 4's tests. `web` and `student_function` come from the kit's
plugin; the workloads are in workloads.py."""
import pytest


@pytest.fixture
def choose_executor(student_function):
    return student_function("choose_executor")


@pytest.fixture
def run_best(student_function):
    return student_function("run_best")
