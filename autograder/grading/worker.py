"""The judge's handle on the worker: start it in the jail, fork a fresh process per test,
call the student's functions there, serve the calls of the test doubles here, and read
the evidence from the kernel.

    worker = Worker(WorkerSpec(submission, module, home, prefix=jail_prefix, ...))
    report = worker.start()                # the import: ok, or what went wrong
    session = worker.session()             # a fresh child of the zygote, for one test
    outcome = session.call("process_all", args, kwargs, timeout=3)
    session.close()                        # everything of that test killed and wiped

While the judge times its own baselines and yardsticks, the worker is stopped (SIGSTOP,
every process of it): nothing of the student's competes with them. A call of the
student's code, timed or not, runs the test's processes for as long as it lasts; the
zygote is stopped whenever it is not forking.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

from .. import proctree
from . import crossing, procfs
from .ckworker import wire
from .ckworker.zygote import BOOT
from .connection import Closed, Connection
from .session import Session, mount_points, own_mounts  # noqa: F401 - also the module's API
from .spec import (Garbled, ImportReport, Outcome, SessionImportError,  # noqa: F401 - API
                   WorkerDied, WorkerError, WorkerSpec, _ImportHang, _ZygoteGone, read_output)

RUNTIME = Path(__file__).with_name("ckworker")
START_SLACK = 15.0          # seconds for the worker's Python to start, beyond the import's limit
MAX_CONNECTIONS = 256       # connections to the judge from one test's processes


class Worker:
    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.home = spec.home
        self.path = str(self.home / "ck.sock")
        self.token = uuid.uuid4().hex
        self.proc: subprocess.Popen | None = None
        self.zygote: Connection | None = None
        self.report: ImportReport | None = None
        self.sessions: dict[str, Session] = {}
        self._numbers = itertools.count(1)
        self._zygote_ready = threading.Event()
        self.notes: list[str] = []
        self._freeze_lock = threading.RLock()
        self._frozen = 0
        self.wrappers: set[int] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.doubles = concurrent.futures.ThreadPoolExecutor(max_workers=1024,
                                                             thread_name_prefix="ck-double")

    # ------------------------------------------------------------------ start
    def start(self) -> ImportReport:
        """Start the zygote, then import the student's module once in a probe process:
        its report says whether the tests can run at all (every test reports the same
        failure, at once, when it cannot)."""
        self._spawn()
        probe = None
        try:
            probe = self._fork()
            self.report = probe.import_report
        except _ImportHang as hang:
            self.report = hang.report
        finally:
            if probe is not None:
                probe.close()
        return self.report

    def _spawn(self) -> None:
        home = self.home
        home.mkdir(parents=True, exist_ok=True)
        runtime = home / "runtime"
        shutil.rmtree(runtime, ignore_errors=True)
        shutil.copytree(RUNTIME, runtime / "ckworker",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        config = home / "zygote.json"
        config.write_text(json.dumps({
            "path": self.path, "token": self.token, "submission": str(self.spec.submission),
            "module": self.spec.module, "timeout": self.spec.import_timeout,
            "uid": self.spec.uid if self.spec.drop else None}))
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        os.chmod(self.path, 0o777)
        self._listener.listen(64)
        threading.Thread(target=self._accept, name="ck-judge-accept", daemon=True).start()
        if self.spec.uid is not None:
            for p in [home, *home.rglob("*")]:
                with contextlib.suppress(OSError):
                    os.chown(p, self.spec.uid, self.spec.uid, follow_symlinks=False)
        out = open(home / "zygote-output.txt", "wb")
        env = dict(self.spec.env if self.spec.env is not None else os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        cmd = self.spec.prefix + [self.spec.python, "-I", "-c", BOOT, str(runtime), str(config)]
        # Born registered as a run's own: no orphan sweep of another run takes it.
        self.proc = proctree.start(cmd, cwd=str(home), env=env, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + START_SLACK
        while not self._zygote_ready.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                time.sleep(0.1)
                if self._zygote_ready.is_set():
                    break
                output = read_output(home / "zygote-output.txt")
                self.kill()
                raise WorkerError(f"the worker did not start (exit {self.proc.returncode}):"
                                  f"\n{output[-3000:]}")
        self._note_wrappers(self.zygote.pid if self.zygote else None)
        self._freeze_all()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._greet, args=(sock,), daemon=True,
                             name="ck-judge-greet").start()

    def _greet(self, sock: socket.socket) -> None:
        conn = Connection(sock, crossing_pid(sock))
        hello = conn.hello()
        token = hello.get("token") if hello else None
        if hello and token == self.token and self.zygote is None:
            conn.role = "zygote"
            conn.handler = self._on_zygote
            self.zygote = conn
            conn.start()
            return
        with self._lock:
            session = self.sessions.get(token) if isinstance(token, str) else None
        if session is None or len(session.extras) >= MAX_CONNECTIONS:
            if session is not None:
                session.garbled = session.garbled or (
                    f"more than {MAX_CONNECTIONS} connections to the grader from one test")
            conn.close()
            return
        session.attach(conn, str(hello.get("role") or ""))

    def _on_zygote(self, conn: Connection, message: dict) -> None:
        if message.get("op") == "zygote-ready":
            self._zygote_ready.set()

    # --------------------------------------------------------------- processes
    def student_processes(self) -> set[int]:
        """Every process of the worker: the zygote and everything under it, and anything
        else under the jail's own processes (bubblewrap, whose pids are known from the
        start: the zygote's ancestors up to the process the judge started)."""
        if self.proc is None:
            return set()
        return procfs.tree(self.proc.pid) - self.wrappers

    def _note_wrappers(self, zygote: int | None) -> None:
        """The jail's processes between the judge and the zygote (bubblewrap's two)."""
        wrappers: set[int] = set()
        for pid in procfs.ancestors(zygote) if zygote and self.proc is not None else ():
            if pid == os.getpid():
                break
            wrappers.add(pid)
            if pid == self.proc.pid:
                break
        self.wrappers = wrappers

    def _freeze_all(self) -> None:
        procfs.stop(self.student_processes())

    @contextlib.contextmanager
    def frozen(self):
        """Nothing of the student's runs inside the block but a call the block itself makes
        (timing.time_call wraps every timed run in it: the judge's baselines and
        yardsticks compete with nothing the student's code left running, in any of the
        test's processes)."""
        with self._freeze_lock:
            self._frozen += 1
            self._apply()
        try:
            yield
        finally:
            with self._freeze_lock:
                self._frozen -= 1
                self._apply()

    def _apply(self) -> None:
        """Run or stop the processes as the counts say: all running when nothing is being
        timed; else all stopped but the trees of the sessions with a call under way. The
        zygote is always stopped (it runs only to fork)."""
        zygote = self.zygote.pid if self.zygote else None
        everyone = self.student_processes() - {zygote}
        if self._frozen == 0:
            wanted = everyone
        else:
            wanted = set()
            for session in list(self.sessions.values()):
                if session._active > 0 and not session.closed:
                    wanted |= session.tree()
        stop = everyone - wanted
        if stop:
            procfs.stop(stop)
        if wanted:
            procfs.cont(wanted)

    def session(self) -> Session:
        """A fresh process for one test, the student's module imported in it. Raises
        SessionImportError when that import fails (or never ends)."""
        if self.report is None or not self.report.ok:
            raise WorkerError("the student's module does not import: no test can run")
        if self.zygote is None or self.zygote.closed.is_set() or \
                not procfs.alive(self.zygote.pid or -1):
            self._restart()
        try:
            try:
                session = self._fork()
            except _ZygoteGone:
                self._restart()               # killed a moment ago: it was still dying
                session = self._fork()
        except _ImportHang as hang:
            raise SessionImportError(hang.report) from None
        if not session.import_report.ok:
            report = session.import_report
            session.close()
            raise SessionImportError(report)
        return session

    def _restart(self) -> None:
        """The zygote is gone (a test's process may kill its parent: same user). A new
        worker, from nothing; said in the grading's notes."""
        self.notes.append("A test's process killed the worker the tests fork from; the "
                          "grader started a new one for the next test.")
        self.kill(keep_pool=True)
        self.token = uuid.uuid4().hex
        self.zygote = None
        self._zygote_ready.clear()
        self._spawn()

    def _fork(self) -> Session:
        n = next(self._numbers)
        session = Session(self, uuid.uuid4().hex, self.home / f"output-{n}.txt")
        stackfile = self.home / f"import-stacks-{n}.txt"
        with self._lock:
            self.sessions[session.token] = session
        zygote_pid = self.zygote.pid
        procfs.cont({zygote_pid})
        try:
            answer = self.zygote.request({"op": "fork", "token": session.token,
                                          "path": self.path, "output": str(session.output),
                                          "stackfile": str(stackfile)}, timeout=10)
        except Closed:
            answer = None
        finally:
            procfs.stop({zygote_pid})
        if answer is None:
            session.close()
            if self.zygote.closed.wait(1.0) or not procfs.alive(zygote_pid):
                raise _ZygoteGone()
            raise WorkerError("the worker could not start a process for this test")
        deadline = time.monotonic() + self.spec.import_timeout + 2.0
        while not session.ready.wait(0.02) and time.monotonic() < deadline:
            conn = session.conn
            if conn is not None and conn.closed.is_set() and not session.ready.is_set():
                # Gone in the middle of the import: os._exit(), a signal, a crash.
                time.sleep(0.05)
                code = procfs.exit_code(conn.pid) if conn.pid else None
                output = read_output(session.output)
                session.close()
                raise _ImportHang(ImportReport(ok=False, kind="ended", exit_code=code,
                                               output=output))
        if not session.ready.is_set():
            stacks = ""
            with contextlib.suppress(OSError):
                stacks = stackfile.read_text(errors="replace")
            output = read_output(session.output)
            session.close()
            raise _ImportHang(ImportReport(ok=False, kind="hang", stacks=stacks, output=output))
        with contextlib.suppress(OSError):
            stackfile.unlink()
        if session.pid is None or procfs.ppid(session.pid) != zygote_pid:
            session.close()
            raise WorkerError("the process that answered is not the worker's child")
        session.import_report = self._decode_import(session.import_message)
        if not session.import_report.ok:
            # Its process ends by itself: read what it printed once it is gone.
            session.conn.closed.wait(2)
            session.import_report.output = read_output(session.output)
            return session
        return session

    def _decode_import(self, report: dict) -> ImportReport:
        if not isinstance(report, dict):
            return ImportReport(ok=False, kind="raised",
                                error=crossing.remote_class("Exception", "")("(no report)"))
        decoder = crossing.Decoder(crossing.Refs())
        if report.get("ok"):
            functions = report.get("functions") if isinstance(report.get("functions"), dict) else {}
            tampered = [str(t)[:200] for t in report.get("tampered") or []][:40]
            return ImportReport(ok=True, functions={str(k): str(v) for k, v in functions.items()},
                                tampered=tampered)
        kind = str(report.get("kind") or "raised")
        out = ImportReport(ok=False, kind=kind)
        if kind == "syntax":
            out.syntax = {k: report.get(k) for k in ("line", "offset", "text", "msg", "file")}
        elif kind == "raised":
            try:
                out.error = decoder.decode(report.get("error"))
            except wire.WireError:
                out.error = crossing.remote_class("Exception", "")("(unreadable)")
        return out

    def kill(self, keep_pool: bool = False) -> None:
        for session in list(self.sessions.values()):
            with contextlib.suppress(Exception):
                session.close()
        if self.proc is not None:
            pids = self.student_processes() | {self.proc.pid}
            procfs.kill(pids)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
            proctree.forget(self.proc.pid)
        if self.zygote is not None:
            self.zygote.close()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None
        if not keep_pool:
            self.doubles.shutdown(wait=False, cancel_futures=True)


def crossing_pid(sock: socket.socket) -> int | None:
    from .connection import peer_pid
    return peer_pid(sock)
