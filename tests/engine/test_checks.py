"""Unit tests of autograder.checks: timing, tracking, hygiene, feedback."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from autograder.checks import CallTracker, exactly_once, hygiene, max_overlap, stacks, timing
from autograder.checks.feedback import Feedback, GradedFailure
from autograder.checks.timing import Comparison, CpuBudget, judge_speedup, required_speedup


# ------------------------------------------------------------------- timing

def _fake_cgroup(tmp_path, rel, limits):
    proc = tmp_path / "cgroup"
    proc.write_text(f"0::{rel}\n")
    root = tmp_path / "fs"
    for sub, value in limits.items():
        d = root / sub.lstrip("/") if sub != "/" else root
        d.mkdir(parents=True, exist_ok=True)
        (d / "cpu.max").write_text(value + "\n")
    return proc, root


def test_cgroup_v2_quota_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("CK_CPU_QUOTA", raising=False)
    proc, root = _fake_cgroup(tmp_path, "/a/b", {"/a/b": "50000 100000", "/": "max 100000"})
    budget = timing.cpu_budget(proc_cgroup=proc, cgroup_root=root)
    assert budget.quota == 0.5
    assert budget.effective == 0.5
    assert "quota 0.5" in budget.describe()


def test_the_tightest_cgroup_on_the_path_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("CK_CPU_QUOTA", raising=False)
    proc, root = _fake_cgroup(tmp_path, "/a/b", {"/a/b": "300000 100000", "/a": "100000 100000"})
    assert timing.cpu_budget(proc_cgroup=proc, cgroup_root=root).quota == 1.0


def test_no_quota_means_unlimited(tmp_path, monkeypatch):
    monkeypatch.delenv("CK_CPU_QUOTA", raising=False)
    proc, root = _fake_cgroup(tmp_path, "/a", {"/a": "max 100000"})
    budget = timing.cpu_budget(proc_cgroup=proc, cgroup_root=root)
    assert budget.quota is None and budget.effective == budget.affinity


def test_quota_override_from_environment(monkeypatch):
    monkeypatch.setenv("CK_CPU_QUOTA", "0.5")
    assert timing.cpu_budget().effective == 0.5


def test_compare_interleaves_and_uses_medians():
    order = []
    timing.compare(lambda: order.append("C"), lambda: order.append("B"), repeats=4)
    assert order == ["B", "C", "C", "B", "B", "C", "C", "B"]
    cmp = Comparison("b", "c", baseline=[1.0, 1.0, 9.0], candidate=[0.5, 0.5, 0.1])
    assert cmp.speedup == pytest.approx(2.0)       # medians: an outlier does not decide
    assert "speedup 2.00x" in cmp.text() and "#" in cmp.text()


def test_required_speedup_is_half_the_ideal_gain():
    assert [required_speedup(p) for p in (1, 2, 3, 5)] == [1.0, 1.5, 2.0, 3.0]


def test_waiting_work_ignores_the_cpu_count():
    one_cpu = CpuBudget(logical=1, affinity=1, quota=None)
    verdict = judge_speedup(Comparison("b", "c", [1.0], [0.3]), workers=4, cpu_bound=False, cpus=one_cpu)
    assert verdict.passed and verdict.required == 2.5


def test_cpu_bound_on_half_a_cpu_is_inconclusive_not_failed():
    half = CpuBudget(logical=2, affinity=2, quota=0.5)
    verdict = judge_speedup(Comparison("b", "c", [1.0], [1.0]), workers=4, cpu_bound=True, cpus=half)
    assert verdict.passed is None and verdict.inconclusive
    assert "quota 0.5" in verdict.explanation and "structural" in verdict.explanation


def test_cpu_bound_speedup_is_judged_against_the_cores():
    two = CpuBudget(logical=2, affinity=2, quota=None)
    slow = judge_speedup(Comparison("b", "c", [1.0], [0.83]), workers=4, cpu_bound=True, cpus=two)
    fast = judge_speedup(Comparison("b", "c", [1.0], [0.55]), workers=4, cpu_bound=True, cpus=two)
    assert (slow.passed, fast.passed) == (False, True) and slow.required == 1.5
    busy = judge_speedup(Comparison("b", "c", [1.0], [1.0]), workers=2, cpu_bound=True, cpus=two,
                         capacity=1.1)
    assert busy.passed is None and "capacity 1.10" in busy.explanation


def test_parallel_capacity_is_plausible():
    cap = timing.parallel_capacity(2, seconds=0.05)
    assert 0 < cap <= 2.6


def test_trusted_clock_survives_monkeypatching(monkeypatch):
    monkeypatch.setattr(time, "perf_counter", lambda: 0.0)
    a = timing.now()
    timing.sleep(0.01)
    assert timing.now() - a >= 0.009


# ----------------------------------------------------------------- tracking

def test_tracker_sees_peak_threads_and_errors():
    barrier = threading.Barrier(4)

    def work(x):
        barrier.wait(5)
        if x == 3:
            raise ValueError(x)
        return x

    tracker = CallTracker(work)
    errors = []

    def call(x):
        try:
            tracker(x)
        except ValueError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert tracker.peak == 4 and tracker.thread_count == 4 and tracker.max_overlap() == 4
    assert len(errors) == 1 and [c for c in tracker.calls if c.error is not None][0].arg == 3
    assert tracker.in_flight == 0


def test_max_overlap_of_touching_intervals_is_one():
    assert max_overlap([(0, 1), (1, 2), (2, 3)]) == 1
    assert max_overlap([(0, 2), (1, 3), (1.5, 1.6)]) == 3
    assert max_overlap([]) == 0


def test_exactly_once_counts_losses_repeats_and_strangers():
    ledger = exactly_once([1, 1, None, 2], [1, None, None, 2, 7])
    assert ledger.lost == [1] and ledger.repeated == [None] and ledger.unexpected == [7]
    assert not ledger.ok and "never handled" in ledger.text()
    assert exactly_once([None, 0], [0, None]).ok


# ------------------------------------------------------------------ hygiene

def test_leaked_thread_is_reported_with_its_stack(monkeypatch):
    # This file plays the student's: its frames are kept, library frames trimmed.
    monkeypatch.setattr(stacks, "STUDENT_ROOTS", [os.path.dirname(os.path.realpath(__file__))])
    before = hygiene.snapshot()
    stop = threading.Event()

    def blocked_consumer():
        stop.wait(10)

    t = threading.Thread(target=blocked_consumer, name="leaky", daemon=True)
    t.start()
    finished = threading.Thread(target=lambda: None)
    finished.start()
    leaks = hygiene.leaks_since(before, grace=0.1)
    stop.set()
    t.join()
    assert [x.name for x in leaks.threads] == ["leaky"]
    assert "test_checks.py" in leaks.thread_stacks and "in blocked_consumer()" in leaks.thread_stacks
    assert "stop.wait(10)" in leaks.thread_stacks and "waiting here" in leaks.thread_stacks
    assert "'leaky' (daemon)" in leaks.text()


def test_leaked_child_process_is_reported_and_reaped():
    before = hygiene.snapshot()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    leaks = hygiene.leaks_since(before, grace=0.05)
    assert child.pid in leaks.processes
    hygiene.reap_processes(leaks.processes)
    assert child.wait(timeout=5) is not None


def test_thread_exceptions_are_caught():
    with hygiene.ThreadExceptions() as caught:
        t = threading.Thread(target=lambda: 1 / 0, name="dies")
        t.start()
        t.join()
    assert caught.caught[0][0] == "dies" and isinstance(caught.caught[0][1], ZeroDivisionError)
    assert "died with ZeroDivisionError" in caught.text()


def test_run_with_deadline():
    gate = threading.Event()
    assert hygiene.run_with_deadline(lambda: gate.wait(5), 0.1) == (False, None, None)
    gate.set()
    assert hygiene.run_with_deadline(lambda: 42, 1) == (True, 42, None)
    done, value, error = hygiene.run_with_deadline(lambda: 1 / 0, 1)
    assert done and isinstance(error, ZeroDivisionError)


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
