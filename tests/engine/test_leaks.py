"""What a call leaves behind, read by the judge from /proc (grading/judge.py leaks_since):
threads and processes of the test's process in the worker, named and placed by the
worker's word only where the kernel's count already says they are there."""
from __future__ import annotations

import pytest

from autograder.checks import hygiene, stacks
from autograder.grading import judge


@pytest.fixture
def as_student(monkeypatch, tmp_path):
    """Frames of the submission's file count as the student's (as the plugin sets them)."""
    monkeypatch.setattr(stacks, "STUDENT_ROOTS", [str((tmp_path / "submission").resolve())])


def _leaks_after(worker, fn, grace):
    session = worker.session()
    before = judge.snapshot(session)
    outcome = session.call(fn, (), {}, timeout=5)
    assert outcome.finished and outcome.error is None
    return session, judge.leaks_since(session, before, grace=grace)


def test_a_thread_left_blocked_is_reported_with_its_name_and_stack(worker_of, as_student):
    worker, _ = worker_of('''
        import threading
        def leave():
            stop = threading.Event()
            threading.Thread(target=lambda: stop.wait(30), name="left-behind", daemon=True).start()
    ''')
    session, leaks = _leaks_after(worker, "leave", grace=0.05)
    assert [t.name for t in leaks.threads] == ["left-behind"] and leaks.threads[0].daemon
    assert "student.py" in leaks.thread_stacks and "stop.wait(30)" in leaks.thread_stacks
    assert "1 thread(s) still alive" in leaks.text() and "(daemon)" in leaks.text()
    session.close()


def test_a_hidden_thread_is_counted_by_the_kernel_whatever_it_is_called(worker_of):
    """A thread the student marks as the grader's own, or removes from threading's list,
    is still a task of the process in /proc."""
    worker, _ = worker_of('''
        import threading
        def leave():
            t = threading.Thread(target=lambda: threading.Event().wait(30), daemon=True)
            t._ck_internal = True
            t.start()
            threading._active.pop(t.ident, None)
    ''')
    session, leaks = _leaks_after(worker, "leave", grace=0.05)
    assert len(leaks.threads) == 1 and leaks
    session.close()


def test_a_thread_finishing_within_the_grace_is_not_a_leak(worker_of):
    worker, _ = worker_of('''
        import threading, time
        def leave():
            threading.Thread(target=time.sleep, args=(0.1,)).start()
    ''')
    session, leaks = _leaks_after(worker, "leave", grace=2.0)
    assert not leaks and leaks.text() == ""
    session.close()


def test_a_child_process_left_alive_is_reported(worker_of):
    worker, _ = worker_of('''
        import subprocess, sys
        def leave():
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    ''')
    session, leaks = _leaks_after(worker, "leave", grace=0.05)
    assert len(leaks.processes) == 1 and not leaks.threads
    assert "1 child process(es) still alive" in leaks.text()
    session.close()


def test_a_process_that_exits_within_the_grace_is_not_a_leak(worker_of):
    worker, _ = worker_of('''
        import subprocess, sys
        def leave():
            subprocess.Popen([sys.executable, "-c", "pass"])
    ''')
    session, leaks = _leaks_after(worker, "leave", grace=5.0)
    assert not leaks.processes
    session.close()


def test_multiprocessing_helpers_are_not_leaks():
    assert hygiene.is_multiprocessing_helper(
        ["python", "-I", "-c", "from multiprocessing.resource_tracker import main;main(7)"])
    assert hygiene.is_multiprocessing_helper(
        ["python", "-c", "from multiprocessing.forkserver import main; main(8, 9, ['__main__'])"])
    assert not hygiene.is_multiprocessing_helper(["python", "worker.py"])
