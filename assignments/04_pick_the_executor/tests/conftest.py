"""Fixtures for assignment 4's tests. `web`, `student_function` and `tree_cpu` come from
the kit's plugin; the workloads are in workloads.py."""
import pytest

from autograder.checks import start_method


@pytest.fixture
def choose_executor(student_function):
    return student_function("choose_executor")


@pytest.fixture
def run_best(student_function):
    return student_function("run_best")


@pytest.fixture
def python_facts(request):
    """The Python that runs the student's code, as the grader learnt it by running that
    interpreter (interpreters.facts): its GIL and multiprocessing's start method there."""
    from autograder.plugin.fixtures import judge_of
    return judge_of(request).python_facts()


@pytest.fixture(autouse=True)
def _start_method_as_assumed(request, python_facts):
    """Under CK_ASSUME_START_METHOD (a 3.14 tried on an older Python) the test's worker
    process gets that start method as its default, as the grader's own pools do. Without
    it nothing changes: the student's code runs with its Python's default."""
    if not any(a.startswith("CK_ASSUME_START_METHOD") for a in python_facts.assumed):
        yield
        return
    request.getfixturevalue("ck_session")
    with start_method(python_facts.start_method):
        yield
