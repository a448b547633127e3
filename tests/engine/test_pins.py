"""gradescope/pins.py: the zip's requirements are what the kit was tested with."""
from __future__ import annotations

import importlib.metadata

from autograder.instructor.gradescope import pins


def test_a_dependency_and_what_it_needs_are_pinned_to_the_installed_versions():
    got, kept = pins.pinned(["pytest>=7.4"])
    assert f"pytest=={importlib.metadata.version('pytest')}" in got
    assert f"pluggy=={importlib.metadata.version('pluggy')}" in got     # pytest's own
    assert kept == [] and all("==" in p for p in got)


def test_what_this_python_does_not_install_keeps_its_range():
    got, kept = pins.pinned(["psutil>=5.9", "tomli>=2.0; python_version < '3.0'",
                             "no-such-package-ck>=1"])
    assert got == [f"psutil=={importlib.metadata.version('psutil')}"]
    assert kept == ["tomli>=2.0; python_version < '3.0'", "no-such-package-ck>=1"]


def test_the_text_says_what_the_pins_are():
    text = pins.requirements_text(["psutil>=5.9"])
    assert text.startswith("# What concurrency-kit was tested with")
    assert f"\npsutil=={importlib.metadata.version('psutil')}\n" in text
