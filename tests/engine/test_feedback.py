"""Unit tests of the feedback every graded test gives, and of traceback wording."""
from __future__ import annotations

import pytest

from autograder.checks.feedback import Feedback, GradedFailure


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


def test_feedback_names_the_lesson_under_a_cause_that_does_not():
    fb = Feedback(lesson="IV. Simple Queue Coordination")
    with pytest.raises(GradedFailure) as info:
        fb.fail("Lost items.", measured="4 of 8", expected="8 of 8", cause="a get() timeout")
    assert info.value.text().splitlines()[-1] == "  in the lesson: IV. Simple Queue Coordination"
    with pytest.raises(GradedFailure) as info:
        fb.fail("Lost items.", cause="see lesson IV, 'Clean shutdown'")
    assert "in the lesson:" not in info.value.text()        # it names the lesson already
    with pytest.raises(GradedFailure) as info:
        fb.fail("Lost items.", expected="8")                # no cause: nothing to tie it to
    assert "in the lesson:" not in info.value.text()


def test_a_value_of_several_lines_stays_under_its_label():
    text = GradedFailure("Slow.", measured="1.0x\n  base ##### 1.0s\n  yours ##### 1.0s",
                         cause="died:\nthread 'a' died with Boom: 1").text()
    assert text.splitlines() == ["Slow.", "  measured: 1.0x", "      base ##### 1.0s",
                                 "      yours ##### 1.0s", "  likely cause: died:",
                                 "    thread 'a' died with Boom: 1"]
