"""The judge/worker boundary (autograder/grading): a worker is the student's process, so
everything it sends is tried here as a hostile one would send it. Fast: a worker without
a jail, started in a temporary folder, a fresh process per test like a grading's.
"""
from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from autograder.checks import CallTracker, Items
from autograder.checks.timing import sleep
from autograder.grading import crossing, procfs
from autograder.grading.worker import Garbled, WorkerDied


def test_a_call_crosses_and_the_doubles_run_here(worker_of):
    worker, report = worker_of('''
        import threading
        def run(items, handle, n):
            out, lock = {}, threading.Lock()
            def work(i, x):
                r = handle(x)
                with lock:
                    out[i] = r
            threads = [threading.Thread(target=work, args=(i, x)) for i, x in enumerate(items)]
            for t in threads: t.start()
            for t in threads: t.join()
            return out, (1, 2), {3, 4}, b"x", None, 2 ** 5000
    ''')
    assert report.ok and "run" in report.functions
    session = worker.session()
    handle = CallTracker(lambda x: (sleep(0.05), x * 10)[1])
    outcome = session.call("run", ([1, 2, 3],), {"handle": handle, "n": 3})
    value, pair, members, data, nothing, big = outcome.value
    assert value == {0: 10, 1: 20, 2: 30} and pair == (1, 2) and members == {3, 4}
    assert data == b"x" and nothing is None and big == 2 ** 5000
    # Counted here, on the judge's clock: three calls in flight, from three threads
    # (as many as the kernel saw in the process), in the worker's process.
    assert handle.peak == 3 and handle.thread_count == 3
    assert {c.pid for c in handle.calls} == {session.pid}
    assert outcome.elapsed < 1.0
    session.close()


def test_the_doubles_exception_comes_back_as_the_very_object(worker_of):
    worker, _ = worker_of('''
        def run(handle):
            try:
                handle(1)
            except ValueError as exc:
                return [exc, type(exc).__name__, str(exc)]
    ''')
    session = worker.session()
    boom = ValueError("opaque")

    def handle(x):
        raise boom
    exc, name, text = session.call("run", (handle,), {}).value
    assert exc is boom and name == "ValueError" and text == "opaque"
    session.close()


def test_a_student_class_never_crosses(worker_of):
    worker, _ = worker_of('''
        class AlwaysEqual(dict):
            def __eq__(self, other):
                return True
        class Mine:
            pass
        import collections
        def lie():
            return AlwaysEqual()
        def mine():
            return [Mine()]
        def library():
            return collections.OrderedDict(a=1), collections.defaultdict(list)
    ''')
    session = worker.session()
    lie = session.call("lie", (), {}).value
    assert isinstance(lie, crossing.Alien) and lie.students and lie != {}
    assert "a class defined in your file" in lie.describe()
    (mine,) = session.call("mine", (), {}).value
    assert isinstance(mine, crossing.Alien)
    ordered, default = session.call("library", (), {}).value
    assert type(ordered) is dict and ordered == {"a": 1} and type(default) is dict
    session.close()


def test_a_raised_exception_is_the_judges_own_class_with_the_students_frames(worker_of):
    worker, _ = worker_of('''
        class Custom(Exception):
            pass
        def fail(kind):
            if kind == "value":
                raise ValueError("bad n_items")
            if kind == "exit":
                raise SystemExit(0)
            raise Custom("mine")
    ''')
    session = worker.session()
    error = session.call("fail", ("value",), {}).error
    assert type(error) is ValueError and str(error) == "bad n_items"
    assert error.ck_frames[-1].name == "fail"
    exit_ = session.call("fail", ("exit",), {}).error
    assert not isinstance(exit_, SystemExit) and type(exit_).__name__ == "SystemExit"
    custom = session.call("fail", ("custom",), {}).error
    assert isinstance(custom, crossing.RemoteError) and type(custom).__name__ == "Custom"
    session.close()


def test_a_process_that_dies_mid_call_is_a_crash_of_that_test_only(worker_of):
    worker, _ = worker_of('''
        import os
        def die(code):
            os._exit(code)
        def ok():
            return 1
    ''')
    session = worker.session()
    with pytest.raises(WorkerDied) as died:
        session.call("die", (7,), {})
    assert died.value.code == 7 and "ended in the middle of this test" in str(died.value)
    session.close()
    again = worker.session()
    assert again.call("ok", (), {}).value == 1
    again.close()


def test_a_hang_is_a_timeout_with_the_stacks_of_the_students_threads(worker_of):
    worker, _ = worker_of('''
        import threading
        def hang():
            threading.Event().wait()
    ''')
    session = worker.session()
    outcome = session.call("hang", (), {}, timeout=0.5)
    assert not outcome.finished and 0.45 < outcome.elapsed < 2
    answer = session.ask("stacks")
    main = next(t for t in answer["stacks"] if t["main"])
    assert any(f[2] == "hang" for f in main["frames"])
    session.close()


def test_garbage_on_the_channel_is_refused_and_kept_as_tampering(worker_of):
    worker, _ = worker_of('''
        import os, socket
        def forge():
            for fd in map(int, os.listdir("/proc/self/fd")):
                try:
                    if socket.socket(fileno=os.dup(fd)).type == socket.SOCK_STREAM:
                        os.write(fd, b"\\x00\\x00\\x00\\x05hello")
                except OSError:
                    pass
            return 1
    ''')
    session = worker.session()
    with pytest.raises((Garbled, WorkerDied)):
        session.call("forge", (), {}, timeout=5)
    assert session.garbled and "JSON" in session.garbled
    session.close()


def test_a_flood_of_one_frame_is_refused_without_reading_it(worker_of):
    worker, _ = worker_of('''
        import os, socket, struct
        def flood():
            for fd in map(int, os.listdir("/proc/self/fd")):
                try:
                    socket.socket(fileno=os.dup(fd))
                    os.write(fd, struct.pack(">I", 2 ** 31) + b"x" * 65536)
                except OSError:
                    pass
            return 1
    ''')
    session = worker.session()
    with pytest.raises((Garbled, WorkerDied)):
        session.call("flood", (), {}, timeout=5)
    assert "announced" in (session.garbled or "")
    session.close()


def test_everything_a_test_started_dies_with_it_even_what_ignores_sigterm(worker_of):
    worker, _ = worker_of('''
        import os, signal, time
        def spawn():
            pids = []
            for _ in range(3):
                pid = os.fork()
                if pid == 0:
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    if os.fork() == 0:
                        os.setsid()
                        time.sleep(600)
                    time.sleep(600)
                    os._exit(0)
                pids.append(pid)
            return pids
    ''')
    session = worker.session()
    session.call("spawn", (), {})
    time.sleep(0.2)
    left = worker.student_processes() - {worker.zygote.pid}
    assert len(left) >= 4                       # the test's process, children, grandchildren
    session.close()
    assert not [p for p in left if procfs.alive(p)]


def test_while_the_judge_times_its_runs_nothing_of_the_worker_runs(worker_of):
    """A thread left spinning by a call gets no CPU while the judge times its own runs;
    it runs again afterwards, and during any call the timed run makes."""
    worker, _ = worker_of('''
        import threading
        def spin():
            def loop():
                while True:
                    pass
            threading.Thread(target=loop, daemon=True).start()
            return 1
    ''')
    session = worker.session()
    session.call("spin", (), {})
    with session.frozen():
        before = procfs.cpu(session.pid)[0]
        time.sleep(0.5)
        assert procfs.cpu(session.pid)[0] - before < 0.05
        assert procfs.stat(session.pid)[0] == "T"
        assert session.call("spin", (), {}).value == 1       # a call runs, frozen or not
        assert procfs.stat(session.pid)[0] == "T"
    before = procfs.cpu(session.pid)[0]
    # And it runs again after: 0.1 s of CPU comes within 0.3 s on an idle machine, and
    # within seconds on one loaded by other gradings (a frozen worker would never get it).
    give_up = time.monotonic() + 10
    while procfs.cpu(session.pid)[0] - before <= 0.1 and time.monotonic() < give_up:
        time.sleep(0.05)
    assert procfs.cpu(session.pid)[0] - before > 0.1
    session.close()


def test_each_test_starts_from_the_state_after_the_import(worker_of):
    worker, _ = worker_of('''
        seen = []
        def remember(x):
            seen.append(x)
            return list(seen)
    ''')
    first = worker.session()
    assert first.call("remember", (1,), {}).value == [1]
    assert first.call("remember", (2,), {}).value == [1, 2]
    first.close()
    second = worker.session()
    assert second.call("remember", (3,), {}).value == [3]
    second.close()


def test_files_a_test_leaves_are_wiped_but_never_the_judges(worker_of, tmp_path):
    """Unjailed, the worker shares the machine's /tmp: the wipe stays in its own folder."""
    mine = tmp_path.parent / f"judge-file-{os.getpid()}"
    mine.write_text("the judge's")
    worker, _ = worker_of('''
        import os
        def leave(path):
            open(os.path.join(path, "left.txt"), "w").write("x")
            open("here.txt", "w").write("x")
            return 1
    ''')
    session = worker.session()
    session.call("leave", (str(tmp_path / "tmp"),), {}) if (tmp_path / "tmp").is_dir() else \
        session.call("leave", (str(tmp_path),), {})
    session.close()
    assert mine.read_text() == "the judge's"
    assert not (tmp_path / "here.txt").exists()
    mine.unlink()


def test_items_are_pulled_one_at_a_time_from_the_judges_iterator(worker_of):
    worker, _ = worker_of('''
        def take(items, n):
            it = iter(items)
            return [next(it) for _ in range(n)]
        def everything(items):
            return list(items)
    ''')
    session = worker.session()
    items = Items(range(100))
    assert session.call("take", (items, 3), {}).value == [0, 1, 2]
    assert items.pulled == 3                  # backpressure is counted where the items are
    assert session.call("everything", ((x * 2 for x in range(500)),), {}).value == \
        [x * 2 for x in range(500)]
    session.close()


def test_an_unknown_token_gets_no_session(worker_of, tmp_path):
    import socket as socket_module
    from autograder.grading.ckworker import wire
    worker, _ = worker_of('''
        def f():
            return 1
    ''')
    sock = socket_module.socket(socket_module.AF_UNIX, socket_module.SOCK_STREAM)
    sock.connect(worker.path)
    sock.sendall(wire.pack({"op": "hello", "token": "guessed", "role": "session"}))
    sock.settimeout(2)
    assert sock.recv(10) == b""               # closed at once
    sock.close()


def test_what_the_import_replaced_is_confessed(worker_of):
    worker, report = worker_of('''
        import time, threading
        time.perf_counter = lambda: 0.0
        _start = threading.Thread.start
        def start(self):
            _start(self)
        threading.Thread.start = start
        def f():
            return 1
    ''')
    assert report.ok
    session = worker.session()
    tampered = session.ask("confess")["tampered"]
    assert "time.perf_counter" in tampered and "threading.Thread.start" in tampered
    session.close()


def test_code_planted_into_a_library_the_snapshot_never_saw_is_confessed(worker_of):
    """confess.planted: a function, a lambda method and a property of the student's file
    set into modules no snapshot took (imported by the student); honest ones are not."""
    worker, report = worker_of('''
        import calendar, fractions
        def isleap(year):
            return True
        calendar.isleap = isleap
        fractions.Fraction.limit_denominator = lambda self, most=10: self
        fractions.Fraction.ck_half = property(lambda self: self / 2)
        def f():
            return calendar.isleap(1900)
    ''')
    assert report.ok
    session = worker.session()
    tampered = set(session.ask("confess")["tampered"])
    assert {"calendar.isleap", "fractions.Fraction.limit_denominator",
            "fractions.Fraction.ck_half"} <= tampered
    assert not any(t.startswith(("calendar.month", "fractions.Fraction.__")) for t in tampered)
    session.close()


def test_an_import_that_never_ends_is_stopped_with_where_it_was(worker_of):
    t = time.monotonic()
    worker, report = worker_of('''
        while True:
            pass
    ''', import_timeout=1.0)
    assert not report.ok and report.kind == "hang" and time.monotonic() - t < 6
    assert "student.py" in report.stacks


def test_the_test_process_is_the_zygotes_child_by_the_kernels_word(worker_of):
    worker, _ = worker_of('''
        def f():
            return 1
    ''')
    session = worker.session()
    assert procfs.ppid(session.pid) == worker.zygote.pid
    assert session.conn.pid == session.pid
    session.close()


def test_a_double_called_from_a_pool_process_is_served_there_too(worker_of):
    worker, _ = worker_of('''
        from concurrent.futures import ProcessPoolExecutor
        import multiprocessing
        def pooled(handle, items):
            with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
                return list(pool.map(handle, items))
    ''')
    session = worker.session()
    handle = CallTracker(lambda x: x + 1)
    assert session.call("pooled", (handle, [1, 2, 3, 4]), {}, timeout=20).value == [2, 3, 4, 5]
    assert session.pid not in {c.pid for c in handle.calls}
    session.close()


def test_a_test_that_kills_the_zygote_costs_only_itself(worker_of):
    worker, _ = worker_of('''
        import os, signal
        def kill_parent():
            os.kill(os.getppid(), signal.SIGKILL)
            return 1
        def ok():
            return 2
    ''')
    session = worker.session()
    session.call("kill_parent", (), {})
    session.close()
    again = worker.session()
    assert again.call("ok", (), {}).value == 2
    assert any("started a new one" in n for n in worker.notes)
    again.close()


def test_the_zygote_never_runs_the_students_code(worker_of, tmp_path):
    """Top-level code runs in each test's own process, never in the process tests fork from:
    a thread or a process it starts dies with that test."""
    marker = tmp_path.parent / f"imports-{os.getpid()}-{time.time_ns()}.txt"   # not wiped
    worker, report = worker_of(f'''
        import os, threading, time
        open({str(marker)!r}, "a").write(str(os.getpid()) + "\\n")
        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
        def pid():
            return os.getpid()
    ''')
    assert report.ok
    pids = []
    for _ in range(2):
        session = worker.session()
        pids.append(session.call("pid", (), {}).value)
        assert len(procfs.threads(session.pid)) >= 3          # main, runtime, the sleeper
        session.close()
    imported = [int(x) for x in marker.read_text().split()]
    assert worker.zygote.pid not in imported and len(imported) == 3    # the probe and two tests
    assert len(procfs.threads(worker.zygote.pid)) == 1
    marker.unlink()


@pytest.mark.skipif(not __import__("shutil").which("bwrap") or os.geteuid() != 0,
                    reason="needs bubblewrap and root (the jail's filesystem and user layers)")
def test_a_jailed_worker_whose_python_lives_under_tmp_survives_the_wipes(tmp_path):
    """The wipe of the jail's /tmp spares what the jail binds there (a Python in a venv
    under /tmp, the worker's own folder): a later test still runs that Python (spawn)."""
    import subprocess
    import sys
    import sysconfig
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "kit.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    script = textwrap.dedent(f'''
        import os, sys, tempfile, textwrap
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from pathlib import Path
        from autograder import jail, runner
        from autograder.grading.worker import Worker, WorkerSpec
        scratch = Path(tempfile.mkdtemp()); home = scratch / "worker"; home.mkdir()
        sub = home / "submission"; sub.mkdir()
        (sub / "student.py").write_text(
            "import subprocess, sys\\n"
            "def run():\\n"
            "    return subprocess.run([sys.executable, '-c', 'print(6 * 7)'],"
            " capture_output=True, text=True).stdout\\n")
        with jail.confine(home, budget=60) as cell:
            os.chmod(scratch, 0o711)
            w = Worker(WorkerSpec(submission=sub, module="student", home=home,
                                  prefix=cell.wrap([], user=False),
                                  env=cell.env(runner._env(home)), uid=cell.uid, drop=True))
            assert w.start().ok
            for _ in range(2):
                s = w.session()
                print(s.call("run", (), {{}}, timeout=20).value.strip())
                s.close()
            w.kill()
    ''')
    out = subprocess.run([str(venv / "bin" / "python"), "-c", script], capture_output=True,
                         text=True, timeout=120)
    assert out.stdout.split() == ["42", "42"], out.stdout + out.stderr


def test_start_method_acts_on_the_test_process_and_is_restored(worker_of):
    from autograder.checks import start_method
    from autograder.grading import current
    worker, _ = worker_of('''
        import multiprocessing
        def method():
            return multiprocessing.get_start_method()
    ''')
    session = worker.session()
    current.SESSION[0] = session
    try:
        default = session.call("method", (), {}).value
        with start_method("spawn"):
            assert session.call("method", (), {}).value == "spawn"
        assert session.call("method", (), {}).value == default
        with pytest.raises(ValueError, match="not available"):
            with start_method("teleport"):
                pass
    finally:
        current.SESSION[0] = None
        session.close()
    with pytest.raises(RuntimeError, match="worker process"):
        with start_method("spawn"):
            pass
