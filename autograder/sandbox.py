"""Run one graded child process under a hard budget, and leave nothing behind.

The child runs in its own session and process group. While it runs we note every
descendant it has; the grader is also a "child subreaper" (Linux), so processes that
daemonize (double fork, setsid) are re-parented to us rather than to init. When the run
ends, for whatever reason, the group, every descendant seen and every orphan re-parented
to us is killed. The grader never waits on the child without a deadline:

    budget   total wall-clock seconds for this child, not counting the time its tests
             waited for the machine lock (machine_lock.py: a timed test of another
             grading had the machine), up to WAIT_CREDIT x budget
    stall    seconds one test may run (from its "start" event) before the whole child is
             killed; covers a test that hangs so hard the in-process timeout cannot fire
    done     after the child says "done", it gets a few seconds to exit, then it is killed

run_child, step by step: _start (the child and its channel), _watch (its events, until
one of the rules above or its exit ends the run), _kill (the whole tree: proctree.py
walks and kills it), then the ChildRun that accounts for it all.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from collections.abc import Callable

from . import channel, proctree
from .proctree import become_subreaper, kill_tree  # noqa: F401 - also this module's API

EXIT_GRACE = 3.0
MAX_FILE_MB = 64             # largest file a graded child may write (RLIMIT_FSIZE)


def apply_limits(max_file_mb: int = MAX_FILE_MB) -> None:
    """Resource limits for a graded child, set by its first line of code (before pytest,
    before any student code), soft and hard alike, inherited by every process it starts:

        FSIZE   no file past `max_file_mb`: gigabytes printed (pytest captures output in a
                temporary file) or written fail with EFBIG ("File too large"; Python ignores
                SIGXFSZ) instead of filling the disk: that test fails, with the reason in
                its feedback (plugin/messages.py)
        CORE    no core dumps of crashed student processes
        and what the jail asks for in CK_LIMITS (jail.Jail.limits): NPROC, AS, CPU,
        NOFILE. As an unprivileged user (jail.py) the child cannot raise them again."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    wanted = {"FSIZE": max_file_mb << 20, "CORE": 0}
    for item in os.environ.get("CK_LIMITS", "").split(","):
        name, _, value = item.partition("=")
        if name and value.isdigit():
            wanted[name] = int(value)
    for name, value in wanted.items():
        what = getattr(resource, f"RLIMIT_{name}", None)
        if what is None:
            continue
        try:
            soft, hard = resource.getrlimit(what)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(what, (value, value))
        except (ValueError, OSError):
            pass


WAIT_CREDIT = 4.0            # waiting for the machine extends a budget by at most this x budget
OUTPUT_KEEP = 16 * 1024      # bytes of the child's stdout/stderr kept (head and tail)


@dataclasses.dataclass
class ChildRun:
    events: list[dict]
    returncode: int | None
    ended_by: str            # "exit", "budget", "stall", "done-timeout", "cancelled"
    stalled_on: str | None   # nodeid of the test running when we killed it
    output: str
    output_bytes: int
    duration: float
    killed: list[int]        # pids we had to kill (strays included)
    waited: float = 0.0      # seconds tests spent queued for the machine lock
    arrived: list[float] = dataclasses.field(default_factory=list)  # per event, our clock

    @property
    def last_started(self) -> str | None:
        """The test that was running when the child ended, if it never reported."""
        finished = {e.get("nodeid") for e in self.events if e["event"] in ("result", "hung")}
        started = [e.get("nodeid") for e in self.events if e["event"] == "start"]
        for nodeid in reversed(started):
            if nodeid not in finished:
                return nodeid
        return None


class _Output:
    """Drain a pipe, keeping only the first and last OUTPUT_KEEP/2 bytes."""

    def __init__(self, stream) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream) -> None:
        half = OUTPUT_KEEP // 2
        while True:
            try:
                chunk = stream.read1(65536)
            except (OSError, ValueError):
                break
            if not chunk:
                break
            self.total += len(chunk)
            if len(self.head) < half:
                take = half - len(self.head)
                self.head += chunk[:take]
                chunk = chunk[take:]
            self.tail += chunk
            if len(self.tail) > half:
                del self.tail[:-half]

    def text(self) -> str:
        body = bytes(self.head)
        kept = len(self.head) + len(self.tail)
        if self.total > kept:
            body += f"\n[... {self.total - kept} bytes of output cut ...]\n".encode()
        body += bytes(self.tail)
        return body.decode("utf-8", "replace")



class _Events:
    """The child's channel, read on a thread of its own into a queue: (event, when it
    arrived on our clock) each, then None at the end of the pipe."""

    def __init__(self, read_fd: int, verifier: channel.Verifier | None) -> None:
        self.queue: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(read_fd, verifier),
                                       daemon=True)
        self.thread.start()

    def _read(self, read_fd: int, verifier: channel.Verifier | None) -> None:
        # The reader owns read_fd and closes it itself: closing it from outside while
        # a read is under way could hand its number to the next run's pipe.
        try:
            for event in channel.read_events(read_fd, verifier):
                self.queue.put((event, time.monotonic()))
        finally:
            self.queue.put(None)
            os.close(read_fd)

    def next(self, timeout: float):
        """(event, arrived), None at the end of the pipe, or False when nothing came."""
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return False

    def rest(self) -> list[tuple[dict, float]]:
        """What is left in the queue once the reader has stopped (written just before
        the end)."""
        self.thread.join(timeout=2)
        out = []
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return out
            if item:
                out.append(item)


def _start(cmd: list[str], *, cwd: Path, env: dict[str, str], lock_fd: int | None,
           signed: bool) -> tuple[subprocess.Popen, _Events]:
    """The child, in a session of its own, born registered as a run's own
    (proctree.start), its channel and (`signed`) its key handed over as descriptors."""
    read_fd, write_fd = os.pipe()
    extra, fds = [f"--ck-channel-fd={write_fd}"], [write_fd]
    verifier = key_r = None
    if signed:
        key = os.urandom(channel.KEY_BYTES)
        verifier = channel.Verifier(key)
        key_r, key_w = os.pipe()
        os.write(key_w, key)
        os.close(key_w)
        del key
        extra.append(f"--ck-key-fd={key_r}")
        fds.append(key_r)
    if lock_fd is not None:
        extra.append(f"--ck-lock-fd={lock_fd}")
        fds.append(lock_fd)
    proc = proctree.start(
        cmd + extra, cwd=str(cwd), env=env, pass_fds=tuple(fds),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    os.close(write_fd)
    if key_r is not None:
        os.close(key_r)
    return proc, _Events(read_fd, verifier)


class _Watch:
    """What one run has shown so far, and the rules that end it: its events, the
    processes seen under it, the test running, the time its tests queued for the
    machine lock (credited to the budget, up to WAIT_CREDIT x budget)."""

    def __init__(self, budget: float, stall: float | None, cancel: threading.Event | None,
                 started: float) -> None:
        self.budget, self.stall, self.cancel, self.started = budget, stall, cancel, started
        self.events: list[dict] = []
        self.arrived: list[float] = []
        self.seen: set[proctree.Proc] = set()
        self.current: str | None = None
        self.current_since = 0.0
        self.queued_since: float | None = None
        self.waited = 0.0
        self.done_at: float | None = None
        self.exited_at: float | None = None
        self.last_scan = 0.0

    def scan(self, pid: int) -> None:
        """Note every descendant of the child, at most every 0.25 s."""
        t = time.monotonic()
        if t - self.last_scan > 0.25:
            self.seen |= proctree.descendants(pid)
            self.last_scan = t

    def record(self, event: dict, at: float) -> None:
        self.events.append(event)
        self.arrived.append(at)

    def count(self, event: dict) -> None:
        """The test running, the time queued, "done": as the event says."""
        kind = event["event"]
        if kind in ("queued", "worker-queued"):
            self.queued_since = time.monotonic()
        elif kind == "worker-start":
            self._unqueue(time.monotonic())
        elif kind == "start":
            self.current, self.current_since = event.get("nodeid"), time.monotonic()
            self._unqueue(self.current_since)
        elif kind in ("result", "hung"):
            self.current = None
        elif kind == "done":
            self.done_at = time.monotonic()

    def _unqueue(self, now: float) -> None:
        if self.queued_since is not None:
            self.waited = min(self.waited + now - self.queued_since, WAIT_CREDIT * self.budget)
            self.queued_since = None

    def over(self, proc: subprocess.Popen) -> str | None:
        """Why the run ends now ("budget", "stall", "cancelled", "done-timeout", or "exit"
        a second after the child exited: a grandchild may hold the channel open), or
        None while it goes on."""
        t = time.monotonic()
        queued_now = t - self.queued_since if self.queued_since is not None else 0.0
        if t - self.started - min(self.waited + queued_now, WAIT_CREDIT * self.budget) > self.budget:
            return "budget"
        if self.stall is not None and self.current is not None and \
                t - self.current_since > self.stall:
            return "stall"
        if self.cancel is not None and self.cancel.is_set():
            return "cancelled"
        if self.done_at is not None and t - self.done_at > EXIT_GRACE:
            return "done-timeout"
        if proc.poll() is not None:
            self.exited_at = self.exited_at or t
            if t - self.exited_at > 1.0:
                return "exit"
        return None


def _watch(proc: subprocess.Popen, events: _Events, watch: _Watch,
           on_event: Callable[[dict], None] | None) -> str:
    """Take the child's events as they come until the run ends; returns how it ended."""
    eof = False
    while True:
        watch.scan(proc.pid)
        item = events.next(timeout=0.05)
        if item is None:
            eof = True
        elif item:
            event, at = item
            watch.record(event, at)
            if on_event is not None:
                with contextlib.suppress(Exception):
                    on_event(event)
            watch.count(event)
        if eof and proc.poll() is not None:
            return "exit"
        ended_by = watch.over(proc)
        if ended_by is not None:
            return ended_by


def _wait(proc: subprocess.Popen) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be ignored
        proc.wait(timeout=5)


def _kill(proc: subprocess.Popen, watch: _Watch, before: set[proctree.Proc]) -> list[int]:
    """The whole tree goes, whatever ended the run: the child, its group, everything seen
    under it, and daemons that escaped the group (re-parented to us as subreaper);
    returns the pids killed that are the student's."""
    watch.seen |= proctree.descendants(proc.pid)
    proctree.forget(proc.pid)
    if proc.poll() is None:
        # Kill and reap our child through Popen, so its returncode says how it ended
        # (reaped by psutil below, Popen would see ECHILD and report 0).
        proc.kill()
        _wait(proc)
    killed = proctree.sweep(proc.pid, watch.seen, before)   # its pgid is its pid
    _wait(proc)
    return killed + proctree.sweep(None, set(), before)      # orphans since


def run_child(cmd: list[str], *, cwd: Path, env: dict[str, str], budget: float,
              stall: float | None = None, lock_fd: int | None = None,
              cancel: threading.Event | None = None, signed: bool = False,
              on_event: Callable[[dict], None] | None = None) -> ChildRun:
    """Run `cmd` (which must accept `--ck-channel-fd=N`) and collect its events.

    `ChildRun.arrived[i]`: when events[i] arrived, on the grader's clock.
    `signed`: hand the child a fresh key (`--ck-key-fd=N`) and believe only events signed
    with it, in sequence (channel.Verifier); anything else arrives as a "forged" event.
    `lock_fd`: the machine lock's descriptor, handed to the child as `--ck-lock-fd=N`.
    `cancel`: when set, the run ends at once ("cancelled") and the tree is killed.
    `on_event`: called with each event as it arrives (a live display; it decides nothing,
    and what it raises is ignored).
    The child runs as given: jail.py wraps a command in the sandbox's layers.
    """
    proctree.become_subreaper()
    started = time.monotonic()
    before = proctree.snapshot()
    proc, events = _start(cmd, cwd=cwd, env=env, lock_fd=lock_fd, signed=signed)
    output = _Output(proc.stdout)
    watch = _Watch(budget, stall, cancel, started)
    ended_by = _watch(proc, events, watch, on_event)
    stalled_on = watch.current if ended_by in ("budget", "stall") else None
    killed = _kill(proc, watch, before)
    for event, at in events.rest():
        watch.record(event, at)
    output.thread.join(timeout=2)
    return ChildRun(events=watch.events, returncode=proc.returncode, ended_by=ended_by,
                    stalled_on=stalled_on, output=output.text(), output_bytes=output.total,
                    duration=time.monotonic() - started, killed=sorted(set(killed)),
                    waited=watch.waited, arrived=watch.arrived)
