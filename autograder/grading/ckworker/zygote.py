"""The worker's entry point: a zygote that never runs the student's code, forking a fresh
child per test, which imports the student's module itself.

    python -I -c "<BOOT>" RUNTIME_DIR CONFIG_JSON

CONFIG_JSON (written by the judge): the judge's socket, this worker's token, the
submission folder, the module, the import's time limit. The zygote imports only what
costs time and is not the student's (the concurrency modules of the standard library,
and `requests` when the student's file names it), takes the snapshot the confessions are
checked against (confess.py), says "zygote-ready", and then serves "fork" requests.
Each child (session.py) imports the student's module, so no state of one test's import
reaches another test, and nothing the student's code starts lives in the zygote. The
judge keeps the zygote stopped (SIGSTOP) whenever it is not forking.
"""
from __future__ import annotations

import ast
import importlib
import json
import os
import socket
import sys
import warnings

from . import confess, limits, remote, session, wire

BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
        "from ckworker import zygote; zygote.main(sys.argv[2])")
ALWAYS = ("threading", "queue", "concurrent.futures", "concurrent.futures.process",
          "multiprocessing", "multiprocessing.pool", "multiprocessing.queues", "pickle",
          "inspect", "traceback", "math", "statistics", "collections", "random")
IF_NAMED = ("requests",)      # libraries worth importing once, when the file names them


def _named(path: str) -> set[str]:
    """Top-level packages the student's file imports (read, never run)."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return set()
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module.split(".")[0])
    return out


def preload(path: str) -> list[str]:
    done = []
    for name in ALWAYS + tuple(n for n in IF_NAMED if n in _named(path)):
        try:
            importlib.import_module(name)
            done.append(name)
        except BaseException:  # noqa: BLE001 - a library that will not import is the test's to see
            pass
    return done


def main(config_path: str) -> None:
    limits.apply()
    warnings.filterwarnings("ignore", category=DeprecationWarning)   # fork in 3.12+
    with open(config_path) as f:
        config = json.load(f)
    submission, name = config["submission"], config["module"]
    sys.path.insert(0, submission)
    remote.STUDENT.update(root=os.path.realpath(submission).rstrip(os.sep) + os.sep,
                          modules={name})
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(config["path"])
    sock.sendall(wire.pack({"op": "hello", "token": config["token"], "role": "zygote"}))
    recv = wire.recv_exact_from(sock)
    loaded = preload(os.path.join(submission, f"{name}.py"))
    snapshot = confess.Snapshot.take()
    sys.stdout.flush()
    sys.stderr.flush()
    sock.sendall(wire.pack({"op": "zygote-ready", "preloaded": loaded}))
    while True:
        message = wire.read_frame(recv)
        if message is None:
            os._exit(0)
        _reap()
        if message.get("op") != "fork":
            continue
        pid = os.fork()
        if pid == 0:
            sock.close()
            session.run(name, config, message, snapshot)
        sock.sendall(wire.pack({"op": "answer", "id": message.get("id"), "pid": pid}))


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
