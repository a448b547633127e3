"""The student release for real: built by `make student-release`, unpacked from its zip
into a fresh folder, then its own make targets — check on the stub, watch in a real
terminal (a pty) while a fix is saved, status, hint and reset — with the release's own
.venv, installed by its first `make` as a student's would be."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from autograder import KIT_ROOT, files, manifest, paths, runner
from flows.signals import default_sigint

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("student_release")]

A1 = manifest.get(1)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
CLEAR = "\x1b[H\x1b[2J"


def _env(home: Path) -> dict:
    """A student's shell: no kit venv on PATH, no colour forced, a home of its own."""
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if ".venv" not in p)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CK_", "PYTEST", "VIRTUAL_ENV", "FORCE_COLOR", "NO_COLOR"))}
    env.update(PATH=path, HOME=str(home), TERM="xterm-256color")
    env["XDG_CACHE_HOME"] = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    return env


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(["make", "-s", "student-release", f"OUT={out}"], cwd=KIT_ROOT,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    zipped = out / "concurrency-kit-student.zip"
    unpack = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(zipped) as zf:
        zf.extractall(unpack)
    root = unpack / "concurrency-kit-student"
    home = tmp_path_factory.mktemp("home")
    return root, _env(home)


def _make(root, env, *args, timeout=600):
    return subprocess.run(["make", "-s", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def checked(fresh):
    """The release's first command, as a student types it: it installs its .venv."""
    root, env = fresh
    assert not (root / ".venv").exists()
    run = _make(root, env, "check", "ASSIGNMENT=1")
    return run.returncode, run.stdout + run.stderr


def test_fresh_release_checks_the_stub(fresh, checked):
    root, env = fresh
    code, out = checked
    assert code == 0, out
    assert (root / ".venv" / "bin" / "python").exists()          # installed by itself
    total = re.search(r"^Total: (\d+)/18$", out, re.M)
    assert total and int(total.group(1)) < 18, out               # the stub fails some
    hidden = [t for t in runner.expected_tests(A1) if t.visibility != "visible"]
    assert f"Hidden tests: {len(hidden)} more tests worth {sum(t.points for t in hidden):g} points" in out
    assert "FAIL" in out and "likely cause" in out and "Traceback" not in out
    # the release's own engine graded it: its own files, not the kit's
    assert "(assignments/01_fix_the_consumer)" in out
    # nothing of the kit is in reach, and no hidden test is there to be run
    assert not list(root.rglob("test_hidden.py")) and not (root / "reference").exists()
    assert _make(root, env, "grade", "ASSIGNMENT=1").returncode != 0
    # and no instructor code, under any name: no file with the content of one of
    # autograder/instructor/ (an independent scan, not release.py's own check)
    instructor = {p.read_bytes() for p in paths.INSTRUCTOR_ROOM.rglob("*")
                  if p.is_file() and not files.is_junk(p.relative_to(KIT_ROOT)) and p.stat().st_size}
    shipped = [p for p in root.rglob("*") if p.is_file() and ".venv" not in p.parts]
    assert not (root / "autograder" / "instructor").exists()
    assert not [p for p in shipped if p.read_bytes() in instructor]


def _read_until(fd, buf: list, pattern, timeout: float) -> str:
    """Read the terminal until the screen after the last clear matches `pattern`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            buf.append(data.decode("utf-8", errors="replace"))
        screen = ANSI.sub("", "".join(buf).split(CLEAR)[-1])
        if re.search(pattern, screen, re.M):
            return screen
    raise AssertionError(f"not seen within {timeout:g} s: {pattern!r}\nlast screen:\n"
                         + ANSI.sub("", "".join(buf).split(CLEAR)[-1])[-3000:])


def _drain(master: int, buf: list[str]) -> None:
    """What the terminal still has to say, until it is quiet for half a second."""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                break
            data = os.read(master, 65536)
            if not data:
                break
            buf.append(data.decode("utf-8", errors="replace"))
    except OSError:
        pass


def _running_in(root: Path) -> list:
    """Processes whose working directory or command line is under `root`."""
    left = []
    for p in psutil.process_iter(["cmdline", "cwd"]):
        try:
            where = (p.info["cwd"] or "") + " ".join(p.info["cmdline"] or [])
        except (psutil.Error, TypeError):
            continue
        if str(root) in where:
            left.append((p.pid, p.info["cmdline"]))
    return left


def test_watch_in_a_terminal_sees_a_saved_fix(fresh, checked):
    root, env = fresh
    work = root / "assignments" / A1.slug / "consumer.py"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))

    def terminal():          # the child's controlling terminal, as a login shell has
        default_sigint()
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    proc = subprocess.Popen(["make", "watch", "ASSIGNMENT=1"], cwd=root, env=env,
                            stdin=slave, stdout=slave, stderr=slave, preexec_fn=terminal)
    os.close(slave)
    buf: list[str] = []
    try:
        first = _read_until(master, buf, r"^Total: \d+/18 \(visible tests\)", 180)
        before = int(re.search(r"^Total: (\d+)/18", first, re.M).group(1))
        assert before < 18 and "watching: save your file" in first
        assert len(first.rstrip("\n").splitlines()) <= 49          # one screenful
        # save a fix the way editors do: a new file renamed over the old one
        tmp = work.with_name(".consumer.py.swp")
        tmp.write_bytes((A1.reference_dir / "consumer.py").read_bytes())
        os.replace(tmp, work)
        fixed = _read_until(master, buf, r"^Total: 18/18 \(visible tests\)", 180)
        assert "FAIL" not in fixed
        os.write(master, b"\x03")                                # Ctrl-C
        proc.wait(timeout=30)
        _drain(master, buf)
        tail = ANSI.sub("", "".join(buf).split(CLEAR)[-1])
        assert proc.returncode == 0, tail
        assert "stopped watching consumer.py after 2 runs" in tail
        assert "Interrupt" not in tail and "Traceback" not in tail
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    # nothing the watch started is left running
    time.sleep(0.5)
    left = _running_in(root)
    assert not left, left
    status = _make(root, env, "status").stdout
    row = next(line for line in status.splitlines() if A1.title in line)
    assert "18/18" in row and "edited" in row


def test_status_hint_and_reset_in_the_release(fresh, checked):
    root, env = fresh
    work = root / "assignments" / A1.slug / "consumer.py"
    work.write_text(work.read_text() + "\n# my change\n")
    mine = work.read_bytes()
    first = _make(root, env, "hint", "ASSIGNMENT=1").stdout
    second = _make(root, env, "hint", "ASSIGNMENT=1").stdout
    assert first.startswith("Hint 1 of") and second.startswith("Hint 2 of")
    assert "lesson/lesson-07-concurrency.txt" in second and re.search(r"line \d+", second)
    again = _make(root, env, "hint", "ASSIGNMENT=1", "HINT=1").stdout
    assert again.startswith("Hint 1 of")
    reset = _make(root, env, "reset", "ASSIGNMENT=1")
    assert reset.returncode == 0, reset.stderr
    assert work.read_bytes() == (A1.folder / "consumer.py").read_bytes()
    kept = list((root / "saved" / A1.slug).glob("consumer-*.py"))
    assert len(kept) == 1 and kept[0].read_bytes() == mine
    status = _make(root, env, "status").stdout
    row = next(line for line in status.splitlines() if A1.title in line)
    assert "2 of" in row and row.rstrip().endswith("stub")
    shutil.rmtree(root / "saved")


def test_release_says_what_is_not_in_it(fresh, checked):
    """The release's engine has no instructor command, says so with a reason (not a
    traceback), and its --help lists only the commands that are there."""
    root, env = fresh
    helped = subprocess.run([str(root / ".venv" / "bin" / "python"), "-m", "autograder", "--help"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "check" in helped.stdout and "hint" in helped.stdout
    for command in ("grade", "batch", "compare", "gradescope", "nbgrader", "student-release", "dev"):
        assert not re.search(rf"^\s+{command}\b", helped.stdout, re.M), (command, helped.stdout)
    for argv, says in ((["compare", "1", "x.py"], "This is the student release"),
                       (["gradescope", "1"], "the student's commands only"),
                       (["grade", "1"], "the hidden tests")):
        run = subprocess.run([str(root / ".venv" / "bin" / "python"), "-m", "autograder", *argv],
                             cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 2 and says in run.stderr, (argv, run.stderr)
        assert "Traceback" not in run.stderr
