"""autograder.machine_lock: timed tests alone on the machine, untimed ones side by side,
timed ones not starved, no lock inherited by a forked worker or kept by a dead holder;
and the grader's side: waiting for the machine does not eat a grading's budget."""
from __future__ import annotations

import multiprocessing
import os
import sys
import textwrap
import time


from autograder import channel, machine_lock, sandbox

CTX = multiprocessing.get_context("fork")


def _holder(path, exclusive, hold, log, barrier=None):
    fd = machine_lock.open_fd(path)
    if barrier is not None:
        barrier.wait()
    with machine_lock.hold(fd, exclusive=exclusive):
        start = time.monotonic()
        time.sleep(hold)
        log.put((os.getpid(), exclusive, start, time.monotonic()))


def _overlaps(intervals):
    out = 0
    for i, a in enumerate(intervals):
        for b in intervals[i + 1:]:
            if a[2] < b[3] and b[2] < a[3]:
                out += 1
    return out


def _run_all(path, kinds, hold=0.2):
    log = CTX.Queue()
    barrier = CTX.Barrier(len(kinds))
    procs = [CTX.Process(target=_holder, args=(path, k, hold, log, barrier)) for k in kinds]
    for p in procs:
        p.start()
    for p in procs:
        p.join(20)
        assert p.exitcode == 0
    return [log.get(timeout=5) for _ in procs]


def test_exclusive_holders_never_overlap(tmp_path):
    got = _run_all(tmp_path / "m.lock", [True, True, True])
    assert _overlaps(got) == 0


def test_shared_holders_run_side_by_side(tmp_path):
    got = _run_all(tmp_path / "m.lock", [False, False, False], hold=0.5)
    assert _overlaps(got) == 3            # all three at once: nobody waited for anybody


def test_a_timed_holder_never_overlaps_an_untimed_one(tmp_path):
    got = _run_all(tmp_path / "m.lock", [True, False, False, True, False])
    timed = [g for g in got if g[1]]
    for t in timed:
        assert all(not (t[2] < o[3] and o[2] < t[3]) for o in got if o is not t)


def _cycling_reader(path, stop_at):
    """Untimed tests back to back, always overlapping each other."""
    fd = machine_lock.open_fd(path)
    while time.monotonic() < stop_at:
        with machine_lock.hold(fd, exclusive=False):
            time.sleep(0.05)


def test_a_timed_test_is_not_starved_by_a_stream_of_untimed_ones(tmp_path):
    path = tmp_path / "m.lock"
    stop_at = time.monotonic() + 6
    readers = [CTX.Process(target=_cycling_reader, args=(path, stop_at)) for _ in range(3)]
    for r in readers:
        r.start()
    time.sleep(0.3)
    fd = machine_lock.open_fd(path)
    with machine_lock.hold(fd, exclusive=True) as seat:
        got_it_at = time.monotonic()
    os.close(fd)
    for r in readers:
        r.join(10)
    assert seat["locked"]
    assert got_it_at < stop_at - 3, f"waited {seat['waited']:.2f} s behind untimed tests"


def _fork_a_worker_then_release(path, ready, release):
    fd = machine_lock.open_fd(path)
    with machine_lock.hold(fd, exclusive=True):
        pid = os.fork()
        if pid == 0:                      # a pool worker forked while the test held the machine
            time.sleep(5)
            os._exit(0)
        ready.set()
        release.wait(10)
    ready.clear()
    time.sleep(5)


def test_a_forked_worker_does_not_keep_the_machine(tmp_path):
    path = tmp_path / "m.lock"
    ready, release = CTX.Event(), CTX.Event()
    p = CTX.Process(target=_fork_a_worker_then_release, args=(path, ready, release))
    p.start()
    assert ready.wait(10)
    fd = machine_lock.open_fd(path)
    with machine_lock.hold(fd, exclusive=True, max_wait=0.2) as seat:
        assert not seat["locked"]          # held by the test itself: we wait
    release.set()
    with machine_lock.hold(fd, exclusive=True, max_wait=2) as seat:
        assert seat["locked"]              # its forked worker is still alive, yet free
    p.kill()
    p.join()


def _hold_forever(path, ready):
    fd = machine_lock.open_fd(path)
    with machine_lock.hold(fd, exclusive=True):
        ready.set()
        time.sleep(60)


def test_a_killed_holder_releases_the_machine(tmp_path):
    path = tmp_path / "m.lock"
    ready = CTX.Event()
    p = CTX.Process(target=_hold_forever, args=(path, ready))
    p.start()
    assert ready.wait(10)
    p.kill()
    p.join()
    fd = machine_lock.open_fd(path)
    with machine_lock.hold(fd, exclusive=True, max_wait=2) as seat:
        assert seat["locked"]


def test_no_lock_means_no_wait():
    with machine_lock.hold(None, exclusive=True) as seat:
        assert seat == {"waited": 0.0, "locked": False}


# ------------------------------------------------- the grader's side of the wait

GRADED = textwrap.dedent('''
    import time
    import pytest

    @pytest.mark.points(1)
    @pytest.mark.timing
    def test_timed():
        time.sleep(0.1)

    @pytest.mark.points(1)
    def test_untimed():
        pass
''')


# The child's budget, and how long another process holds the machine from before the
# child starts: the hold outlasts the budget by far (a wait charged to the budget would
# cut the child), and the budget leaves the child's own start-up (pytest, the worker:
# ~2 s on a loaded 2-core machine) twice that.
BUDGET = 4.0
HOLD = 9.0


def _graded_while_held(tmp_path, suite: str, *, hold: float = HOLD, extra=()) -> sandbox.ChildRun:
    """`suite` run by a child pytest under a BUDGET s budget while another process holds
    the machine lock exclusively for `hold` s (then is killed)."""
    (tmp_path / "test_graded.py").write_text(suite)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    path = tmp_path / "m.lock"
    ready = CTX.Event()
    other = CTX.Process(target=_hold_forever, args=(path, ready))
    other.start()
    assert ready.wait(10)
    fd = machine_lock.open_fd(path)
    killer = CTX.Process(target=lambda: (time.sleep(hold), os.kill(other.pid, 9)))
    killer.start()
    try:
        cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
               "-q", *extra, str(tmp_path / "test_graded.py")]
        return sandbox.run_child(cmd, cwd=tmp_path, env=dict(os.environ), budget=BUDGET,
                                 lock_fd=fd)
    finally:
        killer.join()
        other.join()
        os.close(fd)


def test_waiting_for_the_machine_does_not_count_against_the_budget(tmp_path):
    """A grading whose timed test waits longer than its whole budget for another
    grading's timed test is not cut: the budget is for the submission's own time."""
    run = _graded_while_held(tmp_path, GRADED)
    kinds = [(e["event"], e.get("nodeid", "").split("::")[-1]) for e in run.events]
    assert ("queued", "test_timed") in kinds and run.ended_by == "exit"
    results = {e["nodeid"].split("::")[-1]: e["outcome"] for e in run.events if e["event"] == "result"}
    assert results == {"test_timed": "passed", "test_untimed": "passed"}
    assert run.waited >= BUDGET          # the hold minus pytest's start-up: past the budget
    collected = next(e for e in run.events if e["event"] == "collected")["tests"]
    assert {t["nodeid"].split("::")[-1]: t["timing"] for t in collected} == {
        "test_timed": True, "test_untimed": False}
    start = next(e for e in run.events if e["event"] == "start" and e["nodeid"].endswith("test_timed"))
    assert start["waited"] >= BUDGET


CALLS_STUDENT = textwrap.dedent('''
    import pytest

    @pytest.mark.points(1)
    def test_calls(student):
        assert student.answer() == 42
''')


def test_the_workers_start_waits_for_the_machine_outside_the_budget(tmp_path):
    """The worker imports the student's module before the first test, sharing the
    machine: while another grading's timed test holds it (longer than the budget), that
    wait is announced and not charged to the budget."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "studentmod.py").write_text("def answer():\n    return 42\n")
    run = _graded_while_held(tmp_path, CALLS_STUDENT,
                             extra=(f"--ck-submission={sub}", "--ck-module=studentmod"))
    kinds = [e["event"] for e in run.events]
    assert kinds[:3] == ["collected", "worker-queued", "worker-start"], kinds
    assert run.ended_by == "exit" and run.waited >= BUDGET, (run.ended_by, run.waited)
    results = {e["nodeid"].split("::")[-1]: e["outcome"] for e in run.events if e["event"] == "result"}
    assert results == {"test_calls": "passed"}
    assert channel.audit(run.events, [e["nodeid"] for e in run.events if e["event"] == "start"],
                         None)[2] is None
