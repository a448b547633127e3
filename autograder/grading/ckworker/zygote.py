"""The worker's entry point: import the student's module once, then fork a child per test.

    python -I -c "<boot>" RUNTIME_DIR CONFIG_JSON

CONFIG_JSON (written by the judge): the judge's socket, this worker's token, the
submission folder, the module to import, where to write a hang's stacks, the import's
time limit. The zygote reports the import ("imported", with the error if it failed and
what the student's code replaced), then serves "fork" requests: each makes a fresh child
from the state right after the import (session.py), so nothing one test does reaches
the next. The judge keeps the zygote stopped (SIGSTOP) whenever it is not forking.
"""
from __future__ import annotations

import faulthandler
import importlib
import json
import os
import socket
import sys
import warnings

from . import confess, limits, remote, session, wire

BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
        "from ckworker import zygote; zygote.main(sys.argv[2])")


def _import(name: str, stackfile: str, timeout: float):
    """(module, None) or (None, what went wrong as a message body)."""
    with open(stackfile, "w") as stack:
        faulthandler.dump_traceback_later(timeout, file=stack, exit=False)
        try:
            sys.modules.pop(name, None)
            return importlib.import_module(name), None
        except SyntaxError as exc:
            return None, {"kind": "syntax", "line": exc.lineno, "offset": exc.offset,
                          "text": (exc.text or "").rstrip("\n")[:300], "msg": str(exc.msg)[:300],
                          "file": os.path.basename(exc.filename or "")}
        except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a student bug too
            return None, {"kind": "raised", "error": session._encode_error(exc)}
        finally:
            faulthandler.cancel_dump_traceback_later()


def _functions(module) -> dict:
    import inspect
    out = {}
    for name, value in list(vars(module).items()):
        if name.startswith("_") or not callable(value) or isinstance(value, type):
            continue
        try:
            out[name] = str(inspect.signature(value))[:300]
        except (TypeError, ValueError):
            out[name] = "(...)"
    return out


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
    snapshot = confess.Snapshot.take()
    if not os.path.isfile(os.path.join(submission, f"{name}.py")):
        module, error = None, {"kind": "missing"}
    else:
        module, error = _import(name, config["stackfile"], float(config["timeout"]))
    report = {"op": "imported", "ok": module is not None, "error": error}
    if module is not None:
        try:
            report["functions"] = _functions(module)
            report["tampered"] = sorted(set(snapshot.changed()) | set(
                confess.planted(remote.STUDENT["root"], {name})))
        except Exception as exc:  # noqa: BLE001 - the runtime's own failure: say so
            report = {"op": "imported", "ok": False,
                      "error": {"kind": "runtime", "message": f"{type(exc).__name__}: {exc}"}}
    sys.stdout.flush()
    sys.stderr.flush()
    sock.sendall(wire.pack(report))
    while True:
        message = wire.read_frame(recv)
        if message is None:
            os._exit(0)
        _reap()
        if message.get("op") != "fork" or module is None:
            continue
        pid = os.fork()
        if pid == 0:
            sock.close()
            session.run(module, message, snapshot)
        sock.sendall(wire.pack({"op": "answer", "id": message.get("id"), "pid": pid}))


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
