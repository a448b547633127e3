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
"""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from collections.abc import Callable

try:
    import psutil
except ImportError:  # pragma: no cover
    psutil = None

from . import channel

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


_SUBREAPER_SET = False


def become_subreaper() -> bool:
    """Make orphans of our descendants re-parent to this process (Linux only)."""
    global _SUBREAPER_SET
    if _SUBREAPER_SET:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_CHILD_SUBREAPER = 36
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0:
            _SUBREAPER_SET = True
    except (OSError, AttributeError):
        pass
    return _SUBREAPER_SET


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


def _descendants(pid: int) -> set[tuple[int, float]]:
    if psutil is None:
        return set()
    try:
        procs = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return set()
    out = set()
    for p in procs:
        try:
            out.add((p.pid, p.create_time()))
        except psutil.Error:
            pass
    return out


def _our_descendants() -> set[tuple[int, float]]:
    """(pid, start time) of every live descendant of this process."""
    if psutil is None:
        return set()
    out = set()
    try:
        for p in psutil.Process().children(recursive=True):
            try:
                out.add((p.pid, p.create_time()))
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return out


def _orphans_of_ours(exclude: set[int], before: set[tuple[int, float]]) -> set[tuple[int, float]]:
    """Processes re-parented to this (subreaper) process during a run, with everything
    under them: direct children of ours that were not there when the run started
    (`before`) and are not a run still in progress. Only direct children are candidates,
    so what this program started itself before the run (a load generator, a server) is
    never touched, nor anything those start later."""
    if psutil is None or not _SUBREAPER_SET:
        return set()
    out = set()
    try:
        for p in psutil.Process().children(recursive=False):
            try:
                key = (p.pid, p.create_time())
                if p.pid in exclude or key in before:
                    continue
                out.add(key)
                for q in p.children(recursive=True):
                    try:
                        out.add((q.pid, q.create_time()))
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return out


def kill_tree(pgid: int | None, seen: set[tuple[int, float]]) -> list[int]:
    """SIGKILL the process group and every (pid, start time) in `seen` still alive;
    returns the pids that were alive and got killed, leaving out multiprocessing's own
    resource tracker and fork server (killed too, but they are not the student's) and
    processes already on their way out (an empty command line: the kernel has released
    their memory, e.g. a helper hit by the group kill a moment ago)."""
    from .checks.hygiene import is_multiprocessing_helper
    procs, not_blamed = [], set()
    if psutil is not None:
        for pid, created in seen:
            try:
                p = psutil.Process(pid)
                # Same pid *and* start time: never kill a stranger that reused the pid.
                if abs(p.create_time() - created) < 0.01 and p.status() != psutil.STATUS_ZOMBIE:
                    procs.append(p)
                    cmdline = p.cmdline()
                    if not cmdline or is_multiprocessing_helper(cmdline):
                        not_blamed.add(p.pid)
            except psutil.Error:
                continue
    if pgid is not None:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    if procs:
        psutil.wait_procs(procs, timeout=2)
    # Reap any zombies re-parented to us (they are not our Popen children).
    for pid, _ in seen:
        try:
            os.waitpid(pid, os.WNOHANG)
        except OSError:
            pass
    return [p.pid for p in procs if p.pid not in not_blamed]


# Live Popen children of all runs in this process: orphan sweeps must spare them.
_LIVE: set[int] = set()
_LIVE_LOCK = threading.Lock()


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
    become_subreaper()
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    already_there = _our_descendants() if _SUBREAPER_SET else set()
    extra, fds = [f"--ck-channel-fd={write_fd}"], [write_fd]
    verifier = None
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
    # Born and registered as live in one step: another run's orphan sweep (same lock)
    # must never take this child for an orphan of its own, kill it and reap it.
    with _LIVE_LOCK:
        proc = subprocess.Popen(
            cmd + extra, cwd=str(cwd), env=env, pass_fds=tuple(fds),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        _LIVE.add(proc.pid)
    os.close(write_fd)
    if signed:
        os.close(key_r)
    pgid = proc.pid
    output = _Output(proc.stdout)
    events_q: queue.Queue = queue.Queue()

    def read():
        # The reader owns read_fd and closes it itself: closing it from outside while
        # a read is under way could hand its number to the next run's pipe.
        try:
            for event in channel.read_events(read_fd, verifier):
                events_q.put((event, time.monotonic()))
        finally:
            events_q.put(None)
            os.close(read_fd)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    events: list[dict] = []
    arrived: list[float] = []
    seen: set[tuple[int, float]] = set()
    current, current_since = None, 0.0
    queued_since = None
    waited = 0.0
    done_at = None
    ended_by = "exit"
    eof = False
    last_scan = 0.0
    exited_at = None
    while True:
        t = time.monotonic()
        if t - last_scan > 0.25:
            seen |= _descendants(proc.pid)
            last_scan = t
        try:
            event = events_q.get(timeout=0.05)
        except queue.Empty:
            event = False
        if event is None:
            eof = True
        elif event:
            event, at = event
            events.append(event)
            arrived.append(at)
            if on_event is not None:
                with contextlib.suppress(Exception):
                    on_event(event)
            kind = event["event"]
            if kind in ("queued", "worker-queued"):
                queued_since = time.monotonic()
            elif kind == "worker-start":
                if queued_since is not None:
                    waited = min(waited + time.monotonic() - queued_since, WAIT_CREDIT * budget)
                    queued_since = None
            elif kind == "start":
                current, current_since = event.get("nodeid"), time.monotonic()
                if queued_since is not None:
                    waited = min(waited + current_since - queued_since, WAIT_CREDIT * budget)
                    queued_since = None
            elif kind in ("result", "hung"):
                current = None
            elif kind == "done":
                done_at = time.monotonic()
        if eof and proc.poll() is not None:
            break
        t = time.monotonic()
        queued_now = t - queued_since if queued_since is not None else 0.0
        if t - start - min(waited + queued_now, WAIT_CREDIT * budget) > budget:
            ended_by = "budget"
            break
        if stall is not None and current is not None and t - current_since > stall:
            ended_by = "stall"
            break
        if cancel is not None and cancel.is_set():
            ended_by = "cancelled"
            break
        if done_at is not None and t - done_at > EXIT_GRACE:
            ended_by = "done-timeout"
            break
        if proc.poll() is not None:
            # Exited, but a leftover grandchild may still hold the channel open.
            exited_at = exited_at or t
            if t - exited_at > 1.0:
                break
    stalled_on = current if ended_by in ("budget", "stall") else None
    seen |= _descendants(proc.pid)
    with _LIVE_LOCK:
        _LIVE.discard(proc.pid)
    if proc.poll() is None:
        # Kill and reap our child through Popen, so its returncode says how it ended
        # (reaped by psutil below, Popen would see ECHILD and report 0).
        proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass
    # The whole tree goes, whatever ended the run: the group, everything we saw, and
    # daemons that escaped the group (re-parented to us as subreaper).
    # Orphans are decided and killed under the lock runs are born under (see above).
    with _LIVE_LOCK:
        killed = kill_tree(pgid, seen | _orphans_of_ours(set(_LIVE), already_there))
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pass
    with _LIVE_LOCK:
        orphans = _orphans_of_ours(set(_LIVE), already_there)
        if orphans:
            killed += kill_tree(None, orphans)
    reader.join(timeout=2)
    while True:  # events written just before the end
        try:
            event = events_q.get_nowait()
        except queue.Empty:
            break
        if event:
            events.append(event[0])
            arrived.append(event[1])
    output.thread.join(timeout=2)
    return ChildRun(events=events, returncode=proc.returncode, ended_by=ended_by,
                    stalled_on=stalled_on, output=output.text(), output_bytes=output.total,
                    duration=time.monotonic() - start, killed=sorted(set(killed)),
                    waited=waited, arrived=arrived)
