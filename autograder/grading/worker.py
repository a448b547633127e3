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
import dataclasses
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from . import crossing, procfs
from .ckworker import wire
from .ckworker.zygote import BOOT
from .connection import Closed, Connection

RUNTIME = Path(__file__).with_name("ckworker")
START_SLACK = 15.0          # seconds for the worker's Python to start, beyond the import's limit
OUTPUT_KEEP = 16 * 1024     # bytes of a test's printed output kept (head and tail)
MAX_CONNECTIONS = 256       # connections to the judge from one test's processes


class WorkerError(Exception):
    """The worker could not be started (not the submission's fault)."""


class WorkerDied(Exception):
    """The test's process ended in the middle of a call."""

    def __init__(self, code: int | None) -> None:
        self.code = code
        how = ("signal %d" % -code if code is not None and code < 0 else
               f"exit code {code}" if code is not None else "it is gone")
        super().__init__(
            f"The test process ended in the middle of this test ({how}): your code called "
            f"sys.exit()/os._exit(), killed its own process, or crashed the interpreter.")


class Garbled(Exception):
    """The worker wrote something that is not the runtime's protocol."""


class SessionImportError(Exception):
    """A test's process could not import the student's module (report says why)."""

    def __init__(self, report: "ImportReport") -> None:
        self.report = report
        super().__init__(report.kind)


class _ZygoteGone(Exception):
    pass


class _ImportHang(Exception):
    def __init__(self, report: "ImportReport") -> None:
        self.report = report


@dataclasses.dataclass
class WorkerSpec:
    submission: Path                 # the folder holding the student's file
    module: str                      # the module to import
    home: Path                       # the worker's own folder (writable; in the jail)
    prefix: list[str] = dataclasses.field(default_factory=list)   # the jail's wrapping
    env: dict[str, str] | None = None
    python: str = sys.executable
    import_timeout: float = 10.0
    uid: int | None = None           # the jail's user: what the judge makes here is theirs
    drop: bool = False               # the zygote runs as root in the jail; each test's
                                     # process becomes `uid` (ckworker/limits.drop_to)


@dataclasses.dataclass
class ImportReport:
    ok: bool
    kind: str = ""                   # "", "syntax", "raised", "missing", "hang", "ended"
    error: BaseException | None = None
    syntax: dict | None = None
    stacks: str = ""                 # where the import was stuck (a hang)
    exit_code: int | None = None
    functions: dict[str, str] = dataclasses.field(default_factory=dict)
    tampered: list[str] = dataclasses.field(default_factory=list)
    output: str = ""
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Outcome:
    finished: bool
    value: object = None
    error: BaseException | None = None
    started: float = 0.0
    returned: float = 0.0

    @property
    def elapsed(self) -> float:
        return self.returned - self.started


def _now() -> float:
    from ..checks.timing import now
    return now()


def _keep(text: str) -> str:
    if len(text) <= OUTPUT_KEEP:
        return text
    half = OUTPUT_KEEP // 2
    return f"{text[:half]}\n[... {len(text) - OUTPUT_KEEP} characters of output cut ...]\n{text[-half:]}"


def read_output(path: Path) -> str:
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            if size <= OUTPUT_KEEP:
                data = f.read()
            else:
                head = f.read(OUTPUT_KEEP // 2)
                f.seek(size - OUTPUT_KEEP // 2)
                data = head + f"\n[... {size - OUTPUT_KEEP} bytes of output cut ...]\n".encode() + f.read()
    except OSError:
        return ""
    return data.decode("utf-8", "replace")


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
        from .. import sandbox
        with sandbox._LIVE_LOCK:      # born under the lock other runs' orphan sweeps hold
            self.proc = subprocess.Popen(cmd, cwd=str(home), env=env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
            sandbox._LIVE.add(self.proc.pid)
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
        return (procfs.descendants(self.proc.pid) | {self.proc.pid}) - self.wrappers

    def _note_wrappers(self, zygote: int | None) -> None:
        """The jail's processes between the judge and the zygote (bubblewrap's two)."""
        wrappers, pid = set(), procfs.ppid(zygote) if zygote else None
        while pid and self.proc is not None and pid != os.getpid():
            wrappers.add(pid)
            if pid == self.proc.pid:
                break
            pid = procfs.ppid(pid)
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

    def session(self) -> "Session":
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

    def _fork(self) -> "Session":
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
            from .. import sandbox
            with sandbox._LIVE_LOCK:
                sandbox._LIVE.discard(self.proc.pid)
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


class Session:
    """One test's process in the worker, and the doubles it may call."""

    def __init__(self, worker: Worker, token: str, output: Path) -> None:
        self.worker = worker
        self.token = token
        self.output = output
        self.refs = crossing.Refs()
        self.encoder = crossing.Encoder(self.refs)
        self.decoder = crossing.Decoder(self.refs)
        self.conn: Connection | None = None
        self.extras: list[Connection] = []
        self.pid: int | None = None
        self.ready = threading.Event()
        self.garbled: str | None = None
        self.ended_code: int | None = None
        self.closed = False
        self._active = 0                     # calls (and questions) under way
        self.extra_sessions: list[Session] = []   # RemoteModule.fresh(): closed with this one
        self.start_method: str | None = None      # as the judge set it (configure)
        self.baseline_threads: set[int] = set()
        self.import_message: dict | None = None
        self.import_report: ImportReport | None = None

    # -------------------------------------------------------------- connections
    def attach(self, conn: Connection, role: str) -> None:
        conn.role = role
        conn.handler = self._on_message
        if role == "session" and self.conn is None:
            self.conn = conn
        else:
            self.extras.append(conn)
        conn.start()

    def _on_message(self, conn: Connection, message: dict) -> None:
        op = message.get("op")
        if op == "ready" and conn is self.conn:
            self.pid = conn.pid
            self.import_message = message.get("import")
            self.baseline_threads = procfs.threads(self.pid)
            self.ready.set()
        elif op == "cb":
            try:
                self.worker.doubles.submit(self._serve, conn, message)
            except RuntimeError:
                pass                                  # shutting down
        elif op == "closed":
            if conn.garbled and not self.garbled:
                self.garbled = conn.garbled
            if conn is self.conn and self.pid is not None and not self.closed:
                time.sleep(0.02)                # the kernel's word on how it ended
                self.ended_code = procfs.exit_code(self.pid)
        elif op not in ("hello",):
            self.garbled = self.garbled or f"a message the runtime never sends ({op!r})"
            conn.close()

    def _serve(self, conn: Connection, message: dict) -> None:
        caller = crossing.CALLER
        thread = message.get("thread") if isinstance(message.get("thread"), list) else [None, ""]
        caller.pid, caller.ident = conn.pid, thread[0] if thread else None
        caller.name = str(thread[1])[:80] if len(thread) > 1 else ""
        caller.threads = len(procfs.threads(conn.pid)) if conn.pid else 0
        try:
            obj = self.refs.get(message.get("ref"))
            if obj is None:
                raise Garbled(f"a call of a double the grader never sent ({message.get('ref')!r})")
            method = message.get("method")
            if method == "call":
                args = self.decoder.decode(message.get("args") or [])
                kwargs = self.decoder.decode(message.get("kwargs") or {"$d": []})
                if not isinstance(args, list) or not isinstance(kwargs, dict) or \
                        not all(isinstance(k, str) for k in kwargs):
                    raise Garbled("a call whose arguments are not a list and a dict")
                value = obj(*args, **kwargs)
            elif method == "iter":
                reply = {"op": "reply", "id": message.get("id"), "ok": True,
                         "value": self.encoder.iterator_of(obj)}
                with contextlib.suppress(Closed):
                    conn.send(reply)
                return
            elif method == "next":
                n = max(1, min(int(message.get("n") or 1), 4096))
                items = list(itertools.islice(obj, n))
                value = (items, len(items) < n)
            else:
                raise Garbled(f"a request the runtime never makes ({method!r})")
            reply = {"op": "reply", "id": message.get("id"), "ok": True,
                     "value": self.encoder.encode(value)}
        except (Garbled, wire.WireError) as exc:
            self.garbled = self.garbled or str(exc)
            reply = {"op": "reply", "id": message.get("id"), "ok": False,
                     "error": self.encoder.encode(RuntimeError("refused by the grader"))}
        except BaseException as exc:  # noqa: BLE001 - the double's exception goes to the caller
            try:
                error = self.encoder.encode(exc)
            except wire.WireError:
                error = self.encoder.encode(RuntimeError(str(exc)))
            reply = {"op": "reply", "id": message.get("id"), "ok": False, "error": error}
        finally:
            caller.pid = caller.ident = None
        with contextlib.suppress(Closed):
            conn.send(reply)

    # ------------------------------------------------------------------ freezing
    def tree(self) -> set[int]:
        if self.pid is None:
            return set()
        return {self.pid} | procfs.descendants(self.pid)

    @contextlib.contextmanager
    def running(self):
        """The test's processes run inside the block (a call, a question, a leak's grace),
        even while the judge times a run of its own (Worker.frozen)."""
        with self.worker._freeze_lock:
            self._active += 1
            self.worker._apply()
        try:
            yield
        finally:
            with self.worker._freeze_lock:
                self._active -= 1
                self.worker._apply()

    @property
    def busy(self) -> bool:
        """A call of the student's function (or a question) is under way."""
        return self._active > 0

    def frozen(self):
        """See Worker.frozen: every process of the worker stopped, but a call's."""
        return self.worker.frozen()

    # --------------------------------------------------------------------- calls
    def call(self, name: str, args: tuple, kwargs: dict, timeout: float | None = None) -> Outcome:
        message = {"op": "call", "fn": name, "args": self.encoder.encode(list(args)),
                   "kwargs": self.encoder.encode(dict(kwargs))}
        with self.running():
            started = _now()
            try:
                answer = self.conn.request(message, timeout)
            except Closed:
                returned = _now()
                self._raise_if_garbled()
                time.sleep(0.05)
                raise WorkerDied(procfs.exit_code(self.pid) if self.pid else None) from None
            returned = _now()
        if answer is None:
            return Outcome(False, started=started, returned=returned)
        self._raise_if_garbled()
        try:
            if answer.get("ok"):
                return Outcome(True, self.decoder.decode(answer.get("value")),
                               started=started, returned=returned)
            if answer.get("missing"):
                error: BaseException = AttributeError(f"no function {answer['missing']}()")
            elif answer.get("unsendable"):
                return Outcome(True, crossing.Alien(str(answer.get("type") or "?")[:100], False,
                                                    str(answer["unsendable"])[:200]),
                               started=started, returned=returned)
            else:
                error = self.decoder.decode(answer.get("error"))
                if not isinstance(error, BaseException):
                    raise wire.WireError("an error that is not an exception")
        except wire.WireError as exc:
            self.garbled = self.garbled or str(exc)
            raise Garbled(str(exc)) from None
        return Outcome(True, error=error, started=started, returned=returned)

    def call_cost(self, args: tuple, repeats: int = 5) -> float:
        """Seconds a call carrying `args` (and back a value of their size) costs here when
        the student's function does nothing: transport, thawing and freezing. The judge's
        clock, the median of `repeats`; a timing of a very short call can allow for it."""
        import statistics
        message = {"op": "echo", "args": self.encoder.encode(list(args))}
        times = []
        for _ in range(repeats):
            with self.frozen(), self.running():
                start = _now()
                self.conn.request(dict(message), 10)
                times.append(_now() - start)
        return statistics.median(times)

    def _raise_if_garbled(self) -> None:
        if self.garbled:
            raise Garbled(self.garbled)

    def ask(self, op: str, timeout: float = 3.0, **fields) -> dict | None:
        """A question for the test's process (stacks, deaths, confess, config), answered
        while it runs; None if it does not answer in time or is gone."""
        if self.conn is None or self.conn.closed.is_set():
            return None
        with self.running():
            try:
                return self.conn.request({"op": op, **fields}, timeout)
            except Closed:
                return None

    def configure(self, **fields) -> dict:
        """Set the test's process up (start_method=..., web=...); its answer."""
        answer = self.ask("config", timeout=10, **fields)
        if answer is None:
            raise WorkerError(f"the test's process did not take {fields}")
        if answer.get("error"):
            raise ValueError(str(answer["error"]))
        if "start_method" in fields:
            self.start_method = fields["start_method"]
        return answer

    # ------------------------------------------------------------------ the end
    def close(self) -> str:
        """Kill everything of this test (its process, its children, anything else of the
        worker but the zygote), wipe what it left on disk; returns what it printed."""
        if self.closed:
            return ""
        self.closed = True
        zygote = self.worker.zygote.pid if self.worker.zygote else None
        doomed = self.worker.student_processes() - {zygote}
        procfs.kill(doomed)
        for conn in [self.conn, *self.extras]:
            if conn is not None:
                conn.close()
        for _ in range(500):
            if not any(procfs.alive(p) for p in doomed):
                break
            time.sleep(0.002)
        with self.worker._lock:
            self.worker.sessions.pop(self.token, None)
        text = read_output(self.output)
        with contextlib.suppress(OSError):
            self.output.unlink()
        self._wipe(zygote)
        return text

    def _wipe(self, zygote: int | None) -> None:
        """Files the test left where the next test could read them: new files in the
        worker's home (its tmp/ and home/ emptied), and, inside its own mount namespace,
        its /tmp and /dev/shm (the grading's folder, bound in there, left alone)."""
        keep = {"runtime", "zygote.json", "zygote-output.txt", "ck.sock"}
        home = self.worker.home
        submission = Path(self.worker.spec.submission)
        for entry in home.iterdir() if home.is_dir() else []:
            if entry.name in keep or entry.name.startswith(("output-", "import-stacks-")) \
                    or entry == submission:
                continue
            if entry.name in ("tmp", "home") and entry.is_dir() and not entry.is_symlink():
                for inner in entry.iterdir():
                    _remove(inner)
                continue
            _remove(entry)
        if zygote is None or not own_mounts(zygote):
            return
        mounts = mount_points(zygote)
        for inside in ("/tmp", "/dev/shm"):
            root = Path(f"/proc/{zygote}/root{inside}")
            with contextlib.suppress(OSError):
                for entry in root.iterdir():
                    seen_as = f"{inside}/{entry.name}"
                    if any(m == seen_as or m.startswith(seen_as + "/") for m in mounts):
                        continue          # a folder the jail binds there (Python, the home)
                    _remove(entry)


def own_mounts(pid: int) -> bool:
    """Whether `pid` lives in a mount namespace of its own (bubblewrap's): only then are
    its /tmp and /dev/shm its own to wipe. Never the judge's, never the machine's."""
    try:
        return os.stat(f"/proc/{pid}/ns/mnt").st_ino != os.stat("/proc/self/ns/mnt").st_ino
    except OSError:
        return False


def mount_points(pid: int) -> list[str]:
    """Where things are mounted in `pid`'s mount namespace (/proc/PID/mountinfo)."""
    out = []
    try:
        with open(f"/proc/{pid}/mountinfo") as f:
            for line in f:
                fields = line.split()
                if len(fields) > 4:
                    out.append(fields[4].encode().decode("unicode_escape"))
    except OSError:
        pass
    return out


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
