"""Unit tests of the feedback every graded test gives, and of traceback wording."""
from __future__ import annotations

import threading

import pytest

from autograder.checks import hygiene
from autograder.checks.feedback import Feedback, GradedFailure


def test_thread_exceptions_are_caught():
    with hygiene.ThreadExceptions() as caught:
        t = threading.Thread(target=lambda: 1 / 0, name="dies")
        t.start()
        t.join()
    assert caught.caught[0][0] == "dies" and isinstance(caught.caught[0][1], ZeroDivisionError)
    assert "died with ZeroDivisionError" in caught.text()
    # A traceback shows where it was raised, not where a thread "waits".
    assert "raised here" in caught.text() and "waiting here" not in caught.text()


# ----------------------------------------------------------------- feedback

def test_feedback_failure_says_measured_expected_cause():
    fb = Feedback()
    fb.measure("peak", 1, expected=3)
    with pytest.raises(GradedFailure) as info:
        fb.check(False, "Only one worker ran.", measured="peak 1", expected="3", cause="a lock")
    text = info.value.text()
    assert text.splitlines()[0] == "Only one worker ran."
    assert "measured: peak 1" in text and "expected: 3" in text and "likely cause: a lock" in text
    assert info.value.measurements[0].text() == "peak: 1 (expected 3)"
