"""grading/exits.py: how the student's processes ended, from the kernel's process events;
and how a failing test's message says it first (plugin/messages.exits_first)."""
from __future__ import annotations

import faulthandler
import os
import signal
import socket
import time

import pytest

from autograder.grading.exits import Exit, ExitWatch
from autograder.plugin.messages import exits_first


def _forked(body) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            body()
        finally:
            os._exit(0)
    return pid


def _crash():
    faulthandler.disable()        # pytest's would print "Fatal Python error" into the log
    os.kill(os.getpid(), signal.SIGSEGV)


def test_exits_under_the_root_are_recorded_with_code_or_signal():
    go_r, go_w = os.pipe()

    def tree():
        os.read(go_r, 1)                       # wait until the watch listens
        kids = [_forked(_crash),
                _forked(lambda: os._exit(3)),
                _forked(lambda: os.kill(os.getpid(), signal.SIGTERM)),
                _forked(lambda: None)]
        for kid in kids:
            os.waitpid(kid, 0)
    root = _forked(tree)
    with ExitWatch(root) as watch:
        if not watch.available:
            os.write(go_w, b"x")
            os.waitpid(root, 0)
            pytest.skip("the kernel's process events need root in the initial network namespace")
        os.write(go_w, b"x")
        os.waitpid(root, 0)
        time.sleep(0.2)
    assert len(watch.exits) == 4                   # the root's own exit is not one of them
    assert {(d.code, d.signal) for d in watch.deaths()} == {(3, None), (None, signal.SIGSEGV)}
    texts = sorted(d.text() for d in watch.deaths())
    assert texts == ["exited with code 3", "was killed by SIGSEGV (a crash in C code)"]


def test_no_connector_means_no_evidence_never_a_false_one(monkeypatch):
    def refused(*a, **k):
        raise PermissionError("not root")
    monkeypatch.setattr(socket, "socket", refused)
    with ExitWatch(os.getpid()) as watch:
        pass
    assert not watch.available and watch.deaths() == []


def test_exits_first_says_each_kind_once_with_how_many():
    message = exits_first(["process 11 was killed by SIGKILL (the memory limit, or os.kill)",
                           "process 12 was killed by SIGKILL (the memory limit, or os.kill)",
                           "process 13 exited with code 1"], "Your code raised BrokenProcessPool")
    lines = message.splitlines()
    assert lines[0].startswith("First, the likely real cause: a process your code started")
    assert lines[1] == ("  process 11 was killed by SIGKILL (the memory limit, or os.kill) "
                        "(2 processes ended this way)")
    assert lines[2] == "  process 13 exited with code 1"
    assert lines[-1] == "Your code raised BrokenProcessPool"


def test_an_exit_says_what_it_was():
    assert Exit(5, None, signal.SIGABRT).text() == "was killed by SIGABRT (abort())"
    assert Exit(5, None, 99).text() == "was killed by signal 99"
    assert Exit(5, 2, None).text() == "exited with code 2"
