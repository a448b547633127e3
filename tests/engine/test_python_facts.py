"""What the tests may take as known about the Python that runs the student's code
(interpreters.facts): its GIL and start method, learnt by running it, never from the
student's process; CK_ASSUME_GIL / CK_ASSUME_START_METHOD stand in for a Python this
machine does not have (a free-threaded build, 3.14's forkserver). The policy it drives
is graded both ways here: without a GIL, threads are a right answer for thinking work
in assignment 4; with one, they are not."""
from __future__ import annotations

import multiprocessing
import sys

import pytest

from autograder import interpreters, manifest, runner


def test_the_facts_of_this_python_by_default():
    facts = interpreters.facts(environ={})
    assert facts.gil == bool(getattr(sys, "_is_gil_enabled", lambda: True)())
    assert facts.start_method in multiprocessing.get_all_start_methods()
    assert facts.assumed == ()


def test_the_probes_findings_are_taken_as_given():
    facts = interpreters.facts(gil=False, start_method="forkserver", environ={})
    assert (facts.gil, facts.start_method) == (False, "forkserver")
    assert "no GIL" in facts.describe()


def test_the_probe_reports_the_start_method():
    own = interpreters.probe(sys.executable)
    assert own.start_method in multiprocessing.get_all_start_methods()


@pytest.mark.parametrize("env, gil, method", [
    ({"CK_ASSUME_GIL": "0"}, False, None),
    ({"CK_ASSUME_GIL": "1"}, True, None),
    ({"CK_ASSUME_GIL": "maybe"}, None, None),              # not 0/1: ignored
    ({"CK_ASSUME_START_METHOD": "spawn"}, None, "spawn"),
    ({"CK_ASSUME_START_METHOD": "teleport"}, None, None),  # no such method: ignored
])
def test_assumptions_override_on_the_graders_side(env, gil, method):
    found = interpreters.facts(gil=True, start_method="fork", environ={})
    facts = interpreters.facts(gil=True, start_method="fork", environ=env)
    assert facts.gil == (found.gil if gil is None else gil)
    assert facts.start_method == (method or found.start_method)
    assert bool(facts.assumed) == (gil is not None or method is not None)


def test_the_judge_child_gets_the_assumptions(tmp_path, monkeypatch):
    monkeypatch.setenv("CK_ASSUME_GIL", "0")
    assert runner._env(tmp_path)["CK_ASSUME_GIL"] == "0"


THINKING = "tests/test_visible.py::test_thinking_work_picks_processes"


@pytest.mark.slow
@pytest.mark.parametrize("gil, passes", [("1", False), ("0", True)])
def test_threads_for_thinking_work_pass_only_without_a_gil(monkeypatch, gil, passes):
    """threads_for_cpu picks 'threads' for thinking work: wrong with a GIL, right without."""
    assignment = manifest.get(4)
    variant = assignment.broken_dir / "threads_for_cpu.py"
    monkeypatch.setenv("CK_ASSUME_GIL", gil)
    grade = runner.grade(assignment, variant, only=[THINKING])
    [result] = [t for t in grade.tests if t.info.nodeid == THINKING]
    assert result.passed == passes, result
