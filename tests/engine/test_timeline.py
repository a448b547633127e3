"""checks/timeline.py: what the threads did, from the judge's log of calls into its doubles
(and, for processes, the kernel's CPU samples); carried by scoring, shown to a student
under a failed test, drawn for the compare page. A sequential design is one lane of
back-to-back bars, a pool of five is five overlapping lanes; the grader's own calls and
the calls of an earlier run are not the student's picture."""
from __future__ import annotations

import os
import types

import pytest

from autograder import reports
from autograder.checks import timeline, tracking
from autograder.checks.tracking import Call, CallTracker
from autograder.scoring import TestInfo, TestResult, _timeline

WORKER = os.getpid() + 100_000        # a pid that is not the judge's: a call from the worker


def calls(spec, pid=WORKER):
    """[(thread, start, end), ...] -> Calls as a tracker logs them from the worker."""
    return [Call(arg=i, start=a, end=b, thread_ident=(pid, name), thread_name=name, pid=pid)
            for i, (name, a, b) in enumerate(spec)]


SEQUENTIAL = [("MainThread", 0.1 * i, 0.1 * i + 0.1) for i in range(10)]
POOL = [(f"ThreadPoolExecutor-0_{i % 5}", 0.1 * (i // 5), 0.1 * (i // 5) + 0.1)
        for i in range(10)]


@pytest.fixture(autouse=True)
def fresh():
    timeline.begin_test()
    yield
    timeline.begin_test()


def test_a_sequential_design_is_one_lane_of_back_to_back_bars():
    tl = timeline.build("requests", calls(SEQUENTIAL))
    assert [lane["name"] for lane in tl["lanes"]] == ["MainThread"]
    assert tl["peak"] == 1 and tl["calls"] == 10 and tl["span"] == pytest.approx(1.0)
    bars = tl["lanes"][0]["bars"]
    assert all(b[1] == pytest.approx(nxt[0]) for b, nxt in zip(bars, bars[1:]))
    rows = timeline.text(tl, width=40)
    lane = rows[1].split()[-1]
    assert len(lane) == 40 and set(lane) == {"█", "▓"}      # busy throughout, calls apart
    assert "10 over 1.00 s, at most 1 at once" in rows[0]


def test_a_pool_of_five_is_five_overlapping_lanes():
    tl = timeline.build("requests", calls(POOL))
    assert len(tl["lanes"]) == 5 and tl["peak"] == 5
    rows = timeline.text(tl, width=40, scale=1.0)      # on the sequential design's scale
    lanes = [r.split()[-1] for r in rows if "ThreadPoolExecutor" in r]
    assert len(lanes) == 5
    assert all(lane == "█" * 4 + "▓" * 4 + "·" * 32 for lane in lanes), lanes
    assert rows[-1].rstrip().endswith("1.00 s")


def test_the_picture_is_the_students_calls_of_the_last_run_that_made_any():
    tracker = CallTracker(label="handle() calls")
    tracker.calls += calls([("old", 0.0, 0.1)])                   # run 1
    tracker.calls += calls([("grader", 1.0, 1.1)], pid=os.getpid())  # the grader's baseline
    tracker.calls += calls([("new-1", 2.0, 2.2), ("new-2", 2.1, 2.3)])
    timeline.note_span(-0.1, 0.5)
    timeline.note_span(1.9, 2.4)
    timeline.note_span(3.0, 3.1)                     # a later call that made none
    tl = timeline.of_test()
    assert [lane["name"] for lane in tl["lanes"]] == ["new-1", "new-2"]
    assert tl["what"] == "handle() calls" and tl["peak"] == 2
    assert tl["span"] == pytest.approx(0.5)          # the run's whole span, 1.9 to 2.4


def test_no_student_call_means_no_picture():
    CallTracker().calls.extend(calls([("grader", 0, 1)], pid=os.getpid()))
    assert timeline.of_test() is None


def test_held_calls_say_so_and_a_call_that_raised_or_never_ended_is_marked():
    tracker = CallTracker(label="requests")
    tracker.hold_note = "the fake web held the first requests"
    log = calls([("T1", 0.0, 0.2), ("T2", 0.0, None), ("T3", 0.1, 0.15)])
    log[2].error = RuntimeError("boom")
    tracker.calls += log
    tl = timeline.of_test()
    assert tl["note"] == "the fake web held the first requests"
    states = {lane["name"]: lane["bars"][0][2] for lane in tl["lanes"]}
    assert states == {"T1": "", "T2": "open", "T3": "error"}
    text = "\n".join(timeline.text(tl, width=20))
    assert ">" in text and "x" in text and "(the fake web held the first requests)" in text


def test_lanes_and_bars_are_capped():
    many = [(f"t{i}", 0.001 * i, 0.001 * i + 0.5) for i in range(30)]
    tl = timeline.build("requests", calls(many))
    assert len(tl["lanes"]) == timeline.MAX_LANES and tl["more_lanes"] == 30 - timeline.MAX_LANES
    assert "(and 18 more thread(s) not drawn)" in "\n".join(timeline.text(tl))
    one_lane = timeline.build("x", calls([("T", 0.001 * i, 0.001 * i + 0.001)
                                          for i in range(2000)]))
    assert len(one_lane["lanes"][0]["bars"]) == timeline.MAX_BARS


def _view(series, workers, pid=1):
    return types.SimpleNamespace(series=series, began=0.0, wall=0.3, interval=0.01,
                                 session=types.SimpleNamespace(pid=pid),
                                 workers=lambda: set(workers))


def test_processes_are_drawn_where_the_kernel_saw_them_compute():
    busy = [(0.01 * i, 0.01 * i) for i in range(31)]       # on a CPU all the time
    idle = [(0.01 * i, 0.0) for i in range(31)]
    view = _view({1: idle, 2: busy, 3: busy, 4: busy}, workers={2, 3})   # 4: a helper
    tl = timeline.of_cpu(view)
    assert [lane["name"] for lane in tl["lanes"]] == ["worker process 1", "worker process 2"]
    assert tl["of"] == "processes" and tl["peak"] == 2
    assert "a row per process" in timeline.text(tl)[0]
    caller_only = timeline.of_cpu(_view({1: busy, 2: idle}, workers={2}))
    assert [lane["name"] for lane in caller_only["lanes"]] == ["your process"]
    assert timeline.of_cpu(_view({1: idle}, workers=set())) is None


def test_a_real_pool_reads_as_worker_lanes(worker_of):
    """The kernel's samples of a fork pool computing side by side, through TreeCpu."""
    from autograder.grading.evidence import TreeCpu
    from test_evidence import SOURCE             # burn() in a fork pool, side by side
    worker, report = worker_of(SOURCE)
    assert report.ok, report
    session = worker.session()
    try:
        with TreeCpu(session, interval=0.01):
            outcome = session.call("side_by_side", (0.6,), {}, timeout=30)
        assert outcome.finished and outcome.error is None
        tl = timeline.of_test()        # no tracker: the CPU view is the picture
    finally:
        session.close()
    names = [lane["name"] for lane in tl["lanes"]]
    assert names.count("worker process 1") == 1 and "worker process 2" in names, names


def test_scoring_keeps_the_documented_shape_only():
    hostile = {"what": "\x1b[2Jrequests", "span": "inf", "calls": 2, "peak": "x",
               "lanes": [{"name": "T\x1b]0;pwned\x07", "bars": [[0, float("nan"), ""],
                                                               "junk", [1, 2]]}, "junk"],
               "note": 5}
    tl = _timeline(hostile)
    assert "\x1b" not in tl["what"] + tl["lanes"][0]["name"] and "\x07" not in tl["lanes"][0]["name"]
    assert tl["span"] == 0.0 and tl["peak"] == 0 and tl["note"] == "5"
    assert [lane["bars"] for lane in tl["lanes"]] == [[[0.0, 0.0, ""]]]
    assert _timeline("not a dict") is None and _timeline({"lanes": "x"}) is None


def test_a_failed_test_shows_its_timeline_and_a_passed_one_does_not():
    info = TestInfo("t::x", "x", 2, "visible")
    tl = timeline.build("requests", calls(SEQUENTIAL))
    failed = TestResult(info, "failed", "Only 1 request in flight.", timeline=tl)
    passed = TestResult(info, "passed", timeline=tl)
    assert any("What your threads did (requests" in line for line in reports.test_body(failed))
    assert not any("What your threads" in line for line in reports.test_body(passed))


def test_trackers_are_forgotten_between_tests():
    CallTracker()
    assert tracking.trackers_made()
    timeline.begin_test()
    assert tracking.trackers_made() == []
