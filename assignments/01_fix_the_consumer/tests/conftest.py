"""Fixtures for assignment 1's tests."""
import pytest


@pytest.fixture
def process_all(student_function):
    """The student's process_all, or a failure quoting the stub's signature."""
    return student_function("process_all")


@pytest.fixture
def ck_lesson():
    """The lesson section this assignment practises (the manifest's `lesson`): the feedback
    names it under a likely cause that does not quote the lesson itself. A fixture, because
    the grading's sandbox holds this folder but not the manifest."""
    return 'IV. Simple Queue Coordination (producer/consumer, sentinels, clean shutdown)'
