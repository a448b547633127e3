"""autograder.sandbox.run_child: events, budget, stall, done-timeout, output cap, and that
nothing the child started survives the run (process group, grandchildren, setsid daemons)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest

from autograder import proctree, sandbox

PRELUDE = textwrap.dedent('''
    import json, os, subprocess, sys, threading, time
    FD = int([a for a in sys.argv if a.startswith("--ck-channel-fd=")][-1].split("=", 1)[1])
    ARGS = [a for a in sys.argv[1:] if not a.startswith("--ck-channel-fd=")]

    def send(**event):
        os.write(FD, (json.dumps(event) + "\\n").encode())

    def sleeper():
        return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])

    def daemon(pidfile):
        """Double fork + setsid: the grandchild leaves our process group and session."""
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                with open(pidfile + ".tmp", "w") as f:
                    f.write(str(os.getpid()))
                os.rename(pidfile + ".tmp", pidfile)
                time.sleep(60)
                os._exit(0)
            os._exit(0)
        deadline = time.time() + 10
        while not os.path.exists(pidfile) and time.time() < deadline:
            time.sleep(0.01)
''')


def _run(tmp_path, body: str, *args: str, **kw) -> sandbox.ChildRun:
    script = PRELUDE + textwrap.dedent(body)
    kw.setdefault("budget", 30)
    return sandbox.run_child([sys.executable, "-c", script, *args], cwd=tmp_path,
                             env=dict(os.environ), **kw)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def reaper():
    """Pids a test expects to be dead; killed at teardown if the engine missed them."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        try:
            p = psutil.Process(pid)
            if "time.sleep(60)" in " ".join(p.cmdline()):    # ours, not a recycled pid
                p.kill()
        except psutil.Error:
            pass


def _pids(path: Path) -> list[int]:
    return [int(p) for p in path.read_text().split()]


# -------------------------------------------------------------------- exits

def test_a_child_that_exits_delivers_every_event(tmp_path):
    run = _run(tmp_path, '''
        send(event="collected", tests=[{"nodeid": "t::a", "points": 1}])
        send(event="start", nodeid="t::a")
        for i in range(300):
            send(event="result", nodeid=f"t::{i}", outcome="passed", message="m" * 300)
        send(event="done")
        print("hello from the child", flush=True)
        sys.exit(3)
    ''')
    assert run.ended_by == "exit" and run.returncode == 3
    kinds = [e["event"] for e in run.events]
    assert kinds == ["collected", "start"] + ["result"] * 300 + ["done"]
    assert [e["nodeid"] for e in run.events[2:-1]] == [f"t::{i}" for i in range(300)]
    assert run.stalled_on is None and run.killed == []
    assert "hello from the child" in run.output
    assert run.output_bytes == len(run.output.encode())
    assert run.duration < 10


def test_the_channel_fd_is_passed_and_argv_kept(tmp_path):
    run = _run(tmp_path, '''
        send(event="args", args=ARGS, cwd=os.getcwd())
    ''', "one", "two words")
    assert run.events == [{"event": "args", "args": ["one", "two words"], "cwd": str(tmp_path)}]


def test_last_started_is_the_test_without_a_result(tmp_path):
    run = _run(tmp_path, '''
        send(event="start", nodeid="t::a"); send(event="result", nodeid="t::a", outcome="passed")
        send(event="start", nodeid="t::b")
        os._exit(70)
    ''')
    assert run.ended_by == "exit" and run.returncode == 70
    assert run.last_started == "t::b" and run.stalled_on is None


# ------------------------------------------------------------------- budget

def test_budget_kills_the_whole_tree_daemons_included(tmp_path, reaper):
    pidfile = tmp_path / "pids"
    started = time.monotonic()
    run = _run(tmp_path, '''
        kids = [sleeper() for _ in range(3)]
        daemon(ARGS[0] + ".daemon")
        with open(ARGS[0] + ".tmp", "w") as f:
            f.write(" ".join(str(k.pid) for k in kids))
        os.rename(ARGS[0] + ".tmp", ARGS[0])
        send(event="start", nodeid="t::forever")
        while True:
            time.sleep(1)
    ''', str(pidfile), budget=2)
    elapsed = time.monotonic() - started
    pids = _pids(pidfile) + _pids(Path(str(pidfile) + ".daemon"))
    reaper.extend(pids)
    assert len(pids) == 4
    assert elapsed < 6, f"run_child took {elapsed:.1f} s with budget=2"
    assert run.ended_by == "budget" and run.stalled_on == "t::forever"
    survivors = [p for p in pids if not _gone(p)]
    assert not survivors, f"still running after the budget kill: {survivors}"
    assert set(pids) <= set(run.killed)


# -------------------------------------------------------------------- stall

def test_a_stalled_test_ends_the_run_and_is_named(tmp_path):
    started = time.monotonic()
    run = _run(tmp_path, '''
        send(event="start", nodeid="t")
        time.sleep(60)
    ''', stall=1, budget=30)
    assert time.monotonic() - started < 4
    assert run.ended_by == "stall"
    assert run.stalled_on == "t" and run.last_started == "t"


def test_time_between_tests_is_not_a_stall(tmp_path):
    run = _run(tmp_path, '''
        send(event="start", nodeid="t"); send(event="result", nodeid="t", outcome="passed")
        time.sleep(0.6)
    ''', stall=0.25, budget=30)
    assert run.ended_by == "exit" and run.returncode == 0 and run.stalled_on is None


# --------------------------------------------------- strays after a clean exit

def test_a_daemon_left_after_a_normal_exit_is_killed(tmp_path, reaper):
    pidfile = tmp_path / "daemon"
    started = time.monotonic()
    run = _run(tmp_path, '''
        daemon(ARGS[0])
        send(event="start", nodeid="t"); send(event="result", nodeid="t", outcome="passed")
        send(event="done")
    ''', str(pidfile))
    daemon_pid = _pids(pidfile)[0]
    reaper.append(daemon_pid)
    # The daemon holds the channel and stdout open: no EOF, the run still ends.
    assert time.monotonic() - started < 6
    assert run.ended_by == "exit" and run.returncode == 0
    assert [e["event"] for e in run.events] == ["start", "result", "done"]
    assert _gone(daemon_pid), "the daemon survived the run"
    assert daemon_pid in run.killed


def test_processes_started_before_the_run_are_not_taken_for_its_orphans(tmp_path, reaper):
    """A load generator or server the grading program started itself survives the
    orphan sweep that kills a run's escaped daemon."""
    # Like stress-ng: a process of ours that starts a worker of its own a little later,
    # while a run is in progress.
    bystander = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import subprocess, sys, time
        time.sleep(0.5)
        late = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print(late.pid, flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    reaper.append(bystander.pid)
    try:
        pidfile = tmp_path / "daemon"
        run = _run(tmp_path, '''
            daemon(ARGS[0])
            time.sleep(1.0)
            send(event="done")
        ''', str(pidfile))
        late_pid = int(bystander.stdout.readline())
        reaper.append(late_pid)
        daemon_pid = _pids(pidfile)[0]
        reaper.append(daemon_pid)
        assert _gone(daemon_pid) and daemon_pid in run.killed
        assert bystander.poll() is None, "a process started before the run was killed"
        assert psutil.pid_exists(late_pid), "a worker our own process started mid-run was killed"
        assert not {bystander.pid, late_pid} & set(run.killed)
    finally:
        bystander.kill()
        bystander.wait()


# ----------------------------------------------------------------- proctree

def test_descendants_are_named_by_pid_and_start_time(reaper):
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import subprocess, sys, time
        kid = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print(kid.pid, flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    reaper.append(child.pid)
    try:
        grandchild = int(child.stdout.readline())
        reaper.append(grandchild)
        found = proctree.descendants(child.pid)
        assert found == {proctree.key(psutil.Process(grandchild))}
        assert proctree.key(psutil.Process(child.pid)) in proctree.descendants()
    finally:
        proctree.kill_tree(None, proctree.descendants(child.pid))
        child.kill()
        child.wait()


def _sleeper() -> subprocess.Popen:
    """A process that has surely started: right after Popen returns, /proc can still show
    an empty command line now and then (1 in 50 here), which kill_tree takes for a
    process on its way out (killed, never blamed)."""
    proc = subprocess.Popen([sys.executable, "-c", "print('up', flush=True); import time; "
                             "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "up\n"
    return proc


def test_a_process_keeps_its_name_when_the_clock_is_set(reaper, monkeypatch):
    """psutil's create_time() moves with the boot time the kernel reports (it steps when
    the clock is adjusted: one CI run killed nothing it had seen a moment before); the
    start in clock ticks does not."""
    proc = _sleeper()
    reaper.append(proc.pid)
    try:
        seen = proctree.key(psutil.Process(proc.pid))
        monkeypatch.setattr(psutil.Process, "create_time", lambda self: 1e9)   # the clock moved
        assert proctree.key(psutil.Process(proc.pid)) == seen
        assert proctree.kill_tree(None, {seen}) == [proc.pid]
    finally:
        proc.kill()
        proc.wait()


def test_kill_tree_spares_a_pid_whose_start_time_is_not_the_one_seen(reaper):
    """A pid the kernel gave to a stranger since is not the process that was seen."""
    stranger = _sleeper()
    reaper.append(stranger.pid)
    try:
        created = proctree.started(psutil.Process(stranger.pid))
        assert proctree.kill_tree(None, {(stranger.pid, created - 1)}) == []
        assert stranger.poll() is None, "a process with another start time was killed"
        assert proctree.kill_tree(None, {(stranger.pid, created)}) == [stranger.pid]
        assert _gone(stranger.pid)
    finally:
        stranger.kill()
        stranger.wait()


# ------------------------------------------------------------------- output

def test_output_is_capped(tmp_path):
    run = _run(tmp_path, '''
        sys.stdout.write("HEAD" + "x" * 5_000_000 + "TAIL")
        sys.stdout.flush()
        sys.stderr.write("ERR-LAST\\n")
    ''')
    assert run.ended_by == "exit"
    assert run.output_bytes >= 5_000_000
    assert len(run.output) < 40_000
    assert "cut" in run.output
    assert run.output.startswith("HEAD") and "ERR-LAST" in run.output[-100:]


# ------------------------------------------------------------- done timeout

def test_a_child_that_does_not_exit_after_done_is_killed(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "EXIT_GRACE", 1.0)
    started = time.monotonic()
    run = _run(tmp_path, '''
        threading.Thread(target=time.sleep, args=(60,)).start()   # not a daemon thread
        send(event="done")
    ''')
    assert time.monotonic() - started < sandbox.EXIT_GRACE + 2
    assert run.ended_by == "done-timeout"
    assert run.events == [{"event": "done"}]


def test_a_killed_child_reports_the_kill_in_its_returncode(tmp_path):
    run = _run(tmp_path, '''
        send(event="start", nodeid="t")
        time.sleep(60)
    ''', stall=0.3)
    assert run.ended_by == "stall"
    assert run.returncode == -9


# ------------------------------------------------------- concurrent runs

def test_a_run_ending_spares_the_processes_of_a_concurrent_run(tmp_path, reaper):
    pidfile, go = tmp_path / "grandchild", tmp_path / "go"
    result = {}

    def long_run():
        result["run"] = _run(tmp_path, '''
            kid = sleeper()
            with open(ARGS[0] + ".tmp", "w") as f:
                f.write(str(kid.pid))
            os.rename(ARGS[0] + ".tmp", ARGS[0])
            while not os.path.exists(ARGS[1]):
                time.sleep(0.02)
            send(event="kid", alive=kid.poll() is None, returncode=kid.returncode)
            kid.kill()
        ''', str(pidfile), str(go))

    t = threading.Thread(target=long_run)
    t.start()
    try:
        deadline = time.monotonic() + 10
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        reaper.extend(_pids(pidfile))
        short = _run(tmp_path, "send(event='done')")
        assert short.ended_by == "exit"
    finally:
        go.touch()
        t.join(30)
    (event,) = [e for e in result["run"].events if e["event"] == "kid"]
    assert event["alive"], f"the other run's process was killed (returncode {event['returncode']})"


def test_multiprocessing_helpers_left_at_the_end_are_killed_but_not_blamed(tmp_path):
    """A spawn or forkserver pool leaves multiprocessing's resource tracker (and fork
    server) running until the interpreter exits: not the student's leftover."""
    run = _run(tmp_path, '''
        import multiprocessing
        ctx = multiprocessing.get_context("forkserver")
        with ctx.Pool(1) as pool:
            pool.map(abs, [1])
        tracker = multiprocessing.resource_tracker._resource_tracker._pid
        send(event="helpers", tracker=tracker)
        send(event="done")
        time.sleep(30)
    ''', budget=20)
    (event,) = [e for e in run.events if e["event"] == "helpers"]
    assert run.ended_by == "done-timeout" or run.ended_by == "exit"
    assert event["tracker"] not in run.killed
    assert _gone(event["tracker"])


def test_runs_in_threads_never_take_each_others_child_for_an_orphan(tmp_path):
    """A batch grades in threads of one process: one run's orphan sweep must never kill
    and reap a child another run has just started (it then looked like an exit with code
    0, no output, no events)."""
    results: list[sandbox.ChildRun] = []

    def many(k: int) -> None:
        for i in range(25):
            folder = tmp_path / f"{k}-{i}"
            folder.mkdir()
            results.append(_run(folder, "send(event='hello'); send(event='done')", budget=20))

    threads = [threading.Thread(target=many, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 75
    broken = [(r.returncode, r.ended_by, r.events) for r in results
              if [e["event"] for e in r.events] != ["hello", "done"] or r.returncode != 0]
    assert not broken
