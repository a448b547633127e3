"""grading/rest.py: the kernel's word that a process is at rest (every thread blocked where
nothing inside it can wake it). A child Python is put in one pose and asked: untimed
waits (a lock, a join, Event.wait(), queue.get(), a read of a pipe) are at rest; a sleep,
a wait with a timeout, a busy thread or a child process are not. A wrong "at rest" would
let a held item go early, so every "not" case matters as much as the "yes" ones."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from autograder.grading import procfs, rest

pytestmark = pytest.mark.skipif(not rest.supported(), reason="needs Linux /proc on x86_64 or aarch64")

# Each pose starts its threads, prints "ready" and then holds that pose for good.
POSES = {
    "untimed waits": """
        import queue, threading
        q, ev, lock = queue.Queue(), threading.Event(), threading.Lock()
        lock.acquire()
        threads = [threading.Thread(target=q.get), threading.Thread(target=ev.wait),
                   threading.Thread(target=lock.acquire)]
        for t in threads: t.start()
        print("ready", flush=True)
        threads[0].join()
    """,
    "a read of a pipe": """
        import os, threading
        r, w = os.pipe()
        t = threading.Thread(target=os.read, args=(r, 1)); t.start()
        print("ready", flush=True)
        t.join()
    """,
    "a sleep": """
        import threading, time
        t = threading.Thread(target=time.sleep, args=(60,)); t.start()
        print("ready", flush=True)
        t.join()
    """,
    "a get with a timeout": """
        import queue, threading
        q = queue.Queue()
        t = threading.Thread(target=q.get, kwargs={"timeout": 60}); t.start()
        print("ready", flush=True)
        t.join()
    """,
    "a busy thread": """
        import threading
        def spin():
            while True: pass
        t = threading.Thread(target=spin, daemon=True); t.start()
        print("ready", flush=True)
        threading.Event().wait()
    """,
    "a child process": """
        import subprocess, sys, threading
        child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                                 stdin=subprocess.PIPE)
        print("ready", flush=True)
        threading.Event().wait()
    """,
}
AT_REST = {"untimed waits", "a read of a pipe"}


@pytest.fixture(params=sorted(POSES))
def posed(request):
    code = textwrap.dedent(POSES[request.param])
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield request.param, proc.pid
    finally:
        for pid in procfs.children(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()


def _eventually(predicate, timeout=3.0):
    """True once `predicate()` is (threads take a moment to reach their pose)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_at_rest_only_where_nothing_inside_can_wake_it(posed):
    pose, pid = posed
    if pose in AT_REST:
        assert _eventually(lambda: rest.at_rest(pid)), f"{pose}: should be at rest"
        assert len(rest.snapshot(pid)) >= 2
    else:
        time.sleep(0.2)                       # its threads have reached their pose
        assert not any(rest.at_rest(pid) for _ in range(5)), f"{pose}: must not be at rest"


@pytest.mark.parametrize("line, expected", [
    ("202 0x7f00 0x80 0x0 0x0 0x0 0xffffffff 0x7ffd 0x7f01", True),    # FUTEX_WAIT, no timeout
    ("202 0x7f00 0x89 0x0 0x0 0x0 0xffffffff 0x7ffd 0x7f01", True),    # WAIT_BITSET, no timeout
    ("202 0x7f00 0x89 0x0 0x7ffd10 0x0 0xffffffff 0x7ffd 0x7f01", False),  # a timeout
    ("202 0x7f00 0x81 0x1 0x0 0x0 0x0 0x7ffd 0x7f01", False),          # FUTEX_WAKE
    ("0 0x3 0x7ffd 0x1 0x0 0x0 0x0 0x7ffd 0x7f01", True),              # read
    ("230 0x1 0x0 0x7ffd 0x0 0x0 0x0 0x7ffd 0x7f01", False),           # clock_nanosleep
    ("running", False),
    ("-1 0x7ffd 0x7f01", False),
])
def test_syscall_lines_read_as_the_kernel_means_them(line, expected):
    assert rest.blocked_for_good(line, rest._CALLS["x86_64"]) is expected
