"""`make check` grades its visible tests in two gradings at once (student.grade_split):
each test must get the verdict it gets when the grader runs them all in one child."""
from __future__ import annotations

import threading

import pytest

from autograder import manifest
from autograder import shards

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("number", [1])     # the stub that hangs and times out the most
def test_split_check_gives_the_verdicts_of_one_grading(number, graded, monkeypatch):
    a = manifest.get(number)
    whole = graded(a, a.folder)
    monkeypatch.setenv("CK_CHECK_SHARDS", "2")
    seen = []
    split = shards.grade_interruptibly(a, a.folder, visibility="visible",
                                        progress_cb=seen.append, cancel=threading.Event())
    assert split is not None and split.complete
    one = {r.info.nodeid: r.status for r in whole.tests if r.info.visibility == "visible"}
    two = {r.info.nodeid: r.status for r in split.tests}
    assert two == one
    assert [r.info.nodeid for r in split.tests] == list(one)          # the file's order
    starts = [e for e in seen if e.get("event") == "start"]
    assert len(starts) == len(one)                                    # both parts reported
