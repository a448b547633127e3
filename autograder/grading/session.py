"""One test's process in the worker, seen from the judge: its connections, the calls of
the student's functions, the test doubles it may call (served here, on the judge's
clock), the questions it answers (stacks, deaths, confess, config), and its end (every
process of it killed, what it left on disk wiped)."""
from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..checks import timeline
from . import crossing, procfs
from .ckworker import wire
from .connection import Closed, Connection
from .spec import Garbled, ImportReport, Outcome, WorkerDied, WorkerError, _now, read_output

if TYPE_CHECKING:
    from .worker import Worker


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
        self._serving = 0                    # doubles' calls taken, not yet answered
        self._serving_lock = threading.Lock()
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
            with self._serving_lock:
                self._serving += 1
            try:
                self.worker.doubles.submit(self._serve, conn, message)
            except RuntimeError:
                self._served()                        # shutting down
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
        """A double's call from the worker, answered; counted until the answer is sent."""
        try:
            self._answer(conn, message)
        finally:
            self._served()

    def _answer(self, conn: Connection, message: dict) -> None:
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

    def _served(self) -> None:
        with self._serving_lock:
            self._serving -= 1

    def quiet_mark(self, held: int) -> tuple | None:
        """The judge's side quiet but for `held` calls of doubles it is holding on
        purpose: every frame the worker sent read and handed on, no more than `held` of
        its doubles' calls unanswered (a call counts from the moment its frame is read
        until its answer has been sent). Then a mark (the frames read so far): the same
        mark before and after a look at the worker (grading/rest.py) means nothing
        crossed in between; None when not quiet."""
        conns = [c for c in [self.conn, *self.extras] if c is not None]
        if self._serving > held or not all(c.drained() for c in conns):
            return None
        return tuple(c.frames for c in conns)

    # ------------------------------------------------------------------ freezing
    def tree(self) -> set[int]:
        if self.pid is None:
            return set()
        return procfs.tree(self.pid)

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
        timeline.note_span(started, returned if answer is not None else None)
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
        procfs.wait_gone(doomed, timeout=1.0)
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
