"""Fixtures for assignment 2's tests. `web` (fake HTTP, no global lock) and
`student_function` come from the kit's plugin."""
import pytest


@pytest.fixture
def fetch_url_info(student_function):
    return student_function("fetch_url_info")


@pytest.fixture
def download_all(student_function):
    return student_function("download_all")
