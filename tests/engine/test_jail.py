"""autograder.jail: the layers around a graded child, each shown to hold by a child that
tries to get past it. A layer this machine cannot give is skipped with the reason (and
test_the_report_says_which_layers_were_on checks the report says so)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from autograder import KIT_ROOT, jail, manifest, runner, sandbox
from autograder.grading.worker import RUNTIME

A1 = manifest.get(1)
CAPS = jail.capabilities()
needs_bwrap = pytest.mark.skipif(not CAPS["bwrap"], reason="bubblewrap does not work here")
needs_user = pytest.mark.skipif(not CAPS["setpriv"], reason="no user of its own here (not root)")
needs_pids = pytest.mark.skipif("pids" not in CAPS["cgroups"] and not CAPS["setpriv"],
                                reason="no process limit that holds here")

PRELUDE = textwrap.dedent('''
    import json, os, sys
    FD = int([a for a in sys.argv if a.startswith("--ck-channel-fd=")][-1].split("=", 1)[1])

    def send(**event):
        os.write(FD, (json.dumps(event) + "\\n").encode())
''')


def _jailed(tmp_path: Path, body: str, budget: float = 30) -> tuple[sandbox.ChildRun, list[str]]:
    """`body` run in the jail the way a worker runs: with the worker's runtime (only the
    standard library) brought into its folder, its limits set by its first line."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "tmp").mkdir()
    shutil.copytree(RUNTIME, scratch / "runtime" / "ckworker",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with jail.confine(scratch, budget=budget) as cell:
        run = sandbox.run_child(
            cell.wrap([sys.executable, "-I", "-c",
                       "import sys; sys.path.append(sys.argv.pop(1)); "
                       "from ckworker import limits; limits.apply(); "
                       "exec(sys.argv.pop(1))", str(scratch / "runtime"),
                       PRELUDE + textwrap.dedent(body)]),
            cwd=scratch, env=cell.env({"PATH": os.environ["PATH"], "TMPDIR": str(scratch / "tmp")}),
            budget=budget)
        caught = cell.after_run()
    return run, caught


def _event(run: sandbox.ChildRun, name: str) -> dict:
    found = [e for e in run.events if e["event"] == name]
    assert found, (run.events, run.output[-2000:])
    return found[-1]


@needs_bwrap
def test_the_child_sees_neither_the_kit_nor_the_network(tmp_path):
    other = tmp_path / "another-student" / "consumer.py"   # beside the scratch folder
    other.parent.mkdir()
    other.write_text("SECRET = 1\n")
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        run, _ = _jailed(tmp_path, f'''
            import socket
            seen = {{}}
            for path in {[str(KIT_ROOT / "reference"), str(A1.tests_dir / "test_hidden.py"),
                          str(KIT_ROOT / "tests"), str(other)]!r}:
                seen[path] = os.path.exists(path)
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
                net = "connected"
            except OSError as exc:
                net = str(exc)
            send(event="seen", paths=seen, net=net, kit=sorted(os.listdir({str(KIT_ROOT)!r}))
                 if os.path.isdir({str(KIT_ROOT)!r}) else [],
                 runtime=os.path.isdir("runtime/ckworker"))
        ''')
        # The control: the grader itself reaches that server.
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        server.close()
    seen = _event(run, "seen")
    assert not any(seen["paths"].values()), seen
    assert seen["net"] != "connected"
    # Nothing of the kit but its Python (a .venv inside it): no engine, only the runtime.
    assert set(seen["kit"]) <= {".venv"} and seen["runtime"], seen["kit"]


@needs_user
def test_the_child_runs_as_a_user_of_its_own_that_cannot_touch_the_grader(tmp_path):
    run, _ = _jailed(tmp_path, f'''
        import resource, signal
        try:
            os.kill({os.getpid()}, 0)
            signalled = True
        except OSError:
            signalled = False
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (resource.RLIM_INFINITY,) * 2)
            raised = True
        except (ValueError, OSError):
            raised = False
        try:
            open("/etc/shadow").read()
            shadow = True
        except OSError:
            shadow = False
        send(event="who", uid=os.getuid(), euid=os.geteuid(), signalled=signalled,
             raised=raised, shadow=shadow,
             nproc=resource.getrlimit(resource.RLIMIT_NPROC)[1],
             fsize=resource.getrlimit(resource.RLIMIT_FSIZE)[1])
    ''')
    who = _event(run, "who")
    assert jail.UID_BASE <= who["uid"] < jail.UID_BASE + jail.SLOTS and who["euid"] == who["uid"]
    assert not who["signalled"] and not who["raised"] and not who["shadow"], who
    assert who["nproc"] == jail.MAX_TASKS and who["fsize"] == sandbox.MAX_FILE_MB << 20


@needs_pids
def test_a_fork_bomb_meets_the_limit_and_nothing_of_it_survives(tmp_path):
    run, caught = _jailed(tmp_path, '''
        import time
        started, children = 0, []
        for _ in range(2 * 512):           # capped: a test must not take the machine down
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(600)
                os._exit(0)
            children.append(pid)
        send(event="forks", started=len(children), uid=os.getuid())
    ''')
    forks = _event(run, "forks")
    assert 0 < forks["started"] < jail.MAX_TASKS, forks["started"]
    if "pids" in CAPS["cgroups"]:
        assert any(f"more than {jail.MAX_TASKS} processes" in n for n in caught), caught
    uid = forks["uid"]
    assert uid == os.getuid() or not [p for p in psutil.process_iter(["uids"])
                                      if p.info["uids"] and p.info["uids"].real == uid]


@needs_user
def test_a_daemon_dies_with_the_grading(tmp_path):
    run, _ = _jailed(tmp_path, '''
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)",
                                          "ck-jail-daemon"])
            os._exit(0)
        import time
        time.sleep(0.5)
        send(event="uid", uid=os.getuid())
    ''')
    uid = _event(run, "uid")["uid"]
    left = [p.pid for p in psutil.process_iter(["uids", "cmdline"])
            if p.info["uids"] and p.info["uids"].real == uid]
    assert left == []
    assert not any("ck-jail-daemon" in " ".join(p.info["cmdline"] or [])
                   for p in psutil.process_iter(["cmdline"]))


def test_the_report_says_which_layers_were_on(tmp_path, monkeypatch):
    sub = tmp_path / "consumer.py"
    sub.write_text("raise ImportError('no')\ndef process_all(items, handle):\n    pass\n")  # fails fast
    grade = runner.grade(A1, sub, visibility="visible")
    on = {line.split()[0]: line.split()[1] == "on" for line in grade.sandbox}
    assert on == {"user": bool(CAPS["setpriv"]), "limits": True, "cgroups": bool(CAPS["cgroups"]),
                  "filesystem": bool(CAPS["bwrap"]), "network": bool(CAPS["bwrap"] or CAPS["unshare"])}
    # A machine that offers nothing: the grading still runs, and the report says so.
    monkeypatch.setitem(jail._PROBES, "capabilities",
                        {"bwrap": False, "unshare": [], "setpriv": False, "cgroups": {}})
    grade = runner.grade(A1, sub, visibility="visible")
    assert grade.score == 0 and all(r.status == "error" for r in grade.tests)
    assert [line.split()[:2] for line in grade.sandbox] == [
        ["user", "OFF"], ["limits", "on"], ["cgroups", "OFF"], ["filesystem", "OFF"],
        ["network", "OFF"]]
    assert any("can reach the network" in line for line in grade.sandbox)


def test_hidden_tests_are_off_the_disk_before_student_code_runs(tmp_path):
    """Even without bubblewrap: the child's copy of the hidden tests is deleted once
    collected (--ck-scrub), so student code finds only the visible ones."""
    sub = tmp_path / "consumer.py"
    sub.write_text(textwrap.dedent('''
        import glob, os
        def process_all(items, handle, num_workers=3, queue_size=5):
            raise RuntimeError("SEEN " + json.dumps(sorted(
                os.path.basename(p) for p in glob.glob("tests/*/tests/*.py")
                + glob.glob("../tests/*/tests/*.py"))))
        import json
    '''))
    grade = runner.grade(A1, sub, confined=False)
    message = next(r.message for r in grade.tests if "SEEN" in r.message)
    seen = json.loads(message.split("SEEN ", 1)[1].split("\n")[0])
    assert "test_visible.py" in seen and "test_hidden.py" not in seen, seen
    assert any(r.info.visibility != "visible" and "SEEN" in r.message for r in grade.tests)


def test_a_probe_that_times_out_is_tried_again(monkeypatch):
    """A busy machine can start bubblewrap slowly: a probe's timeout says nothing of the
    machine, so the layer is not taken for missing (for the whole process) at once."""
    import subprocess

    from autograder import capabilities
    calls = []

    def slow_then_fine(cmd, **kw):
        calls.append(cmd)
        if len(calls) < 3:
            raise subprocess.TimeoutExpired(cmd, kw.get("timeout"))
        return subprocess.CompletedProcess(cmd, 0)
    monkeypatch.setattr(capabilities.subprocess, "run", slow_then_fine)
    assert capabilities._run_ok(["bwrap"]) is True and len(calls) == 3

    def always_slow(cmd, **kw):
        calls.append(cmd)
        raise subprocess.TimeoutExpired(cmd, kw.get("timeout"))
    calls.clear()
    monkeypatch.setattr(capabilities.subprocess, "run", always_slow)
    assert capabilities._run_ok(["bwrap"]) is False and len(calls) == capabilities.PROBE_ATTEMPTS

    def missing(cmd, **kw):
        calls.append(cmd)
        raise FileNotFoundError(cmd[0])
    calls.clear()
    monkeypatch.setattr(capabilities.subprocess, "run", missing)
    assert capabilities._run_ok(["bwrap"]) is False and len(calls) == 1
