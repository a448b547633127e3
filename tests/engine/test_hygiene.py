"""autograder.checks.hygiene: leaked threads and processes, thread exceptions, deadlines."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import psutil
import pytest

from autograder.checks import hygiene, stacks

HERE = os.path.dirname(os.path.realpath(__file__))


@pytest.fixture
def as_student(monkeypatch):
    """Frames in this folder count as the student's (as the plugin does for a submission)."""
    monkeypatch.setattr(stacks, "STUDENT_ROOTS", [HERE])


_STARTED: list[threading.Thread] = []


@pytest.fixture
def stop():
    """An Event that leaked test threads wait on; set at teardown, and every thread a test
    started is joined, so none is still alive at the next test's snapshot."""
    ev = threading.Event()
    yield ev
    ev.set()
    while _STARTED:
        _STARTED.pop().join(5)


def _start(target, name, daemon=True):
    t = threading.Thread(target=target, name=name, daemon=daemon)
    t.start()
    _STARTED.append(t)
    return t


# ------------------------------------------------------------------ threads

def test_a_thread_left_blocked_is_reported_with_its_stack(as_student, stop):
    before = hygiene.snapshot()

    def blocked_consumer_loop():
        stop.wait(30)

    t = _start(blocked_consumer_loop, "consumer-1")
    leaks = hygiene.leaks_since(before, grace=0.05)
    assert leaks and leaks.threads == [t] and leaks.processes == {}
    assert "blocked_consumer_loop" in leaks.thread_stacks
    assert "test_hygiene.py" in leaks.thread_stacks and "stop.wait(30)" in leaks.thread_stacks
    assert "waiting here" in leaks.thread_stacks
    assert "1 thread(s) still alive" in leaks.text() and "'consumer-1' (daemon)" in leaks.text()


def test_a_non_daemon_thread_is_reported_too(stop):
    before = hygiene.snapshot()
    t = _start(lambda: stop.wait(30), "plain", daemon=False)
    leaks = hygiene.leaks_since(before, grace=0.05)
    stop.set()
    t.join(5)
    assert [x.name for x in leaks.threads] == ["plain"]
    assert "'plain'" in leaks.text() and "daemon" not in leaks.text()


def test_a_thread_finishing_within_the_grace_is_not_a_leak(stop):
    before = hygiene.snapshot()
    _start(lambda: time.sleep(0.1), "finishing")
    started = time.monotonic()
    leaks = hygiene.leaks_since(before, grace=2.0)
    assert not leaks and leaks.threads == [] and leaks.thread_stacks == ""
    assert time.monotonic() - started < 1.5          # returns as soon as it is gone


def test_threads_from_before_the_snapshot_and_internal_ones_are_not_leaks(stop):
    old = _start(lambda: stop.wait(30), "older")
    before = hygiene.snapshot()
    internal = threading.Thread(target=lambda: stop.wait(30), name="ck-internal", daemon=True)
    internal._ck_internal = True
    internal.start()
    leaks = hygiene.leaks_since(before, grace=0.01)
    assert old not in leaks.threads and internal not in leaks.threads
    assert not leaks


def test_a_leaked_thread_that_reuses_an_ident_is_reported(stop):
    for _ in range(20):
        gate = threading.Event()
        old = _start(gate.wait, "old")
        before = hygiene.snapshot()
        gate.set()
        old.join(5)
        new = _start(lambda: stop.wait(30), "leaked")
        if new.ident == old.ident:
            break
    else:
        pytest.skip("this platform did not reuse a thread ident")
    assert [t.name for t in hygiene.leaks_since(before, grace=0.01).threads] == ["leaked"]


# ---------------------------------------------------------------- processes

def test_a_leaked_child_process_is_reported_and_reaped():
    before = hygiene.snapshot()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        leaks = hygiene.leaks_since(before, grace=0.05)
        assert leaks and list(leaks.processes) == [child.pid]
        assert leaks.threads == []
        assert f"pid {child.pid}" in leaks.text() and "time.sleep(30)" in leaks.text()
        hygiene.reap_processes(leaks.processes, timeout=5)
        try:   # reaped by psutil already, or a zombie until Popen reaps it
            assert psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            pass
        assert not hygiene.leaks_since(before, grace=0.01)
    finally:
        child.kill()
        child.wait()


def test_a_process_that_exits_within_the_grace_is_not_a_leak():
    before = hygiene.snapshot()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    leaks = hygiene.leaks_since(before, grace=5.0)
    child.wait(5)
    assert not leaks.processes


def test_reap_processes_ignores_pids_that_are_gone():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(5)
    started = time.monotonic()
    hygiene.reap_processes({child.pid, 2 ** 22 + 12345}, timeout=1)   # no error, no wait
    assert time.monotonic() - started < 1


# --------------------------------------------------------- thread exceptions

def test_thread_exceptions_are_captured_and_the_hook_restored():
    previous = threading.excepthook

    def worker_that_dies():
        raise KeyError("missing item")

    with hygiene.ThreadExceptions() as caught:
        t = threading.Thread(target=worker_that_dies, name="worker-2")
        t.start()
        t.join(5)
        ok = threading.Thread(target=lambda: None)
        ok.start()
        ok.join(5)
    assert threading.excepthook is previous
    assert len(caught.caught) == 1
    name, exc, where = caught.caught[0]
    assert name == "worker-2" and isinstance(exc, KeyError)
    assert "worker_that_dies" in where
    assert "thread 'worker-2' died with KeyError: 'missing item'" in caught.text()


def test_no_exception_no_text():
    with hygiene.ThreadExceptions() as caught:
        pass
    assert caught.caught == [] and caught.text() == ""


# ------------------------------------------------------------- run_with_deadline

def test_run_with_deadline_gives_up_on_a_blocked_function(stop):
    started = time.monotonic()
    assert hygiene.run_with_deadline(lambda: stop.wait(30), 0.2) == (False, None, None)
    assert 0.15 < time.monotonic() - started < 2


def test_run_with_deadline_returns_the_value():
    assert hygiene.run_with_deadline(lambda: 42, 5) == (True, 42, None)
    assert hygiene.run_with_deadline(lambda: None, 5) == (True, None, None)


def test_run_with_deadline_returns_the_exception():
    finished, value, error = hygiene.run_with_deadline(lambda: {}["nope"], 5)
    assert finished is True and value is None and isinstance(error, KeyError)
    finished, value, error = hygiene.run_with_deadline(lambda: sys.exit(4), 5)
    assert finished is True and isinstance(error, SystemExit) and error.code == 4


def test_run_with_deadline_helper_thread_is_not_a_leak(stop):
    before = hygiene.snapshot()
    hygiene.run_with_deadline(lambda: stop.wait(30), 0.05)
    assert not hygiene.leaks_since(before, grace=0.01)


def test_wait_for():
    box = []
    threading.Timer(0.05, box.append, args=[1]).start()
    assert hygiene.wait_for(lambda: box, timeout=5)
    started = time.monotonic()
    assert hygiene.wait_for(lambda: False, timeout=0.1) is False
    assert time.monotonic() - started >= 0.09


def test_leak_detection_uses_psutil():
    assert hygiene.psutil is psutil


def test_settled_returns_the_value_once_it_stops_changing():
    from autograder.checks.hygiene import settled
    from autograder.checks.timing import now
    values = iter([1, 2, 3, 4])
    current = [0]

    def read():
        current[0] = next(values, current[0])
        return current[0]
    start = now()
    assert settled(read, quiet=0.1, limit=2) == 4
    assert 0.1 <= now() - start < 1.0
    start = now()
    counter = iter(range(10**9))
    settled(lambda: next(counter), quiet=0.5, limit=0.3)        # never settles: the limit ends it
    assert now() - start < 0.6
