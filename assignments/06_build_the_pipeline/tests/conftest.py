"""Fixtures for assignment 6's tests."""
import pytest


@pytest.fixture
def run_pipeline(student_function):
    """The student's run_pipeline, or a failure quoting the stub's signature."""
    return student_function("run_pipeline")


@pytest.fixture
def ck_lesson():
    """The lesson section this assignment practises (the manifest's `lesson`): the feedback
    names it under a likely cause that does not quote the lesson itself. A fixture, because
    the grading's sandbox holds this folder but not the manifest."""
    return 'IV. Queues and pipelines (the assembly line: stages, bounded queues, clean shutdown)'
