"""The grader's own process trees: what is under a child of ours, what was re-parented to
us, and killing all of it, in the spirit of CPython's test.support.threading_helper.

    become_subreaper()     orphans of our descendants re-parent to us, not to init (Linux)
    descendants(pid)       (pid, start time) of every live process under `pid` (None: us)
    snapshot()             what is under us before a run, for its orphan sweeps to spare
    start(cmd, **popen)    a child of ours, born registered as a run's own
    forget(pid)            that child is no run's any more
    orphans(before)        children re-parented to us since `before`, and all under them
    sweep(pgid, seen, before)   kill a run's group, what it was seen to start, its orphans
    kill_tree(pgid, seen)  SIGKILL a process group and every process of `seen` still alive
    no_sweep()             a block in which no run sweeps for orphans (the jail's probes)
    kill_user(uid)         SIGKILL every process of a user until none is left
    kill_cgroup(folder)    SIGKILL every process of a cgroup until it is empty

A process is named by its pid and its start time, so a pid the kernel gave to a
stranger since is never killed. This is cleanup, through psutil; what the judge reads
about the worker's processes as evidence comes from /proc itself (grading/procfs.py).
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from .grading import procfs

try:
    import psutil
except ImportError:  # pragma: no cover
    psutil = None

Proc = tuple[int, float]          # (pid, start): one process, never its pid's reuse

_SUBREAPER_SET = False

# Live Popen children of all runs in this process: orphan sweeps must spare them.
_LIVE: set[int] = set()
_LIVE_LOCK = threading.Lock()


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


def started(p) -> float:
    """When process `p` started: on Linux its clock ticks since boot (/proc/PID/stat,
    field 22), which never change in its life. psutil's create_time() adds the boot time
    the kernel reports, which moves when the clock is adjusted (a second, now and then,
    on a VM): a process seen before and after such a step would look like two."""
    fields = procfs.stat(p.pid)
    if len(fields) > 19:
        return float(fields[19])
    if sys.platform.startswith("linux"):
        raise psutil.NoSuchProcess(p.pid)
    return round(p.create_time(), 2)


def key(p) -> Proc:
    """(pid, start) of a psutil.Process: what names it in every set of this module."""
    return p.pid, started(p)


def _named(procs: Iterable) -> set[Proc]:
    """(pid, start) of each of `procs` that is still there to ask."""
    out = set()
    for p in procs:
        with contextlib.suppress(psutil.Error):
            out.add(key(p))
    return out


def descendants(pid: int | None = None) -> set[Proc]:
    """Every live process under `pid` (None: this process), however deep."""
    if psutil is None:
        return set()
    try:
        procs = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return set()
    return _named(procs)


def snapshot() -> set[Proc]:
    """What is under this process before a run: its orphan sweeps never touch it (empty
    when we are no subreaper: there are no sweeps then)."""
    return descendants() if _SUBREAPER_SET else set()


def orphans(before: set[Proc], exclude: Iterable[int] = ()) -> set[Proc]:
    """Processes re-parented to this (subreaper) process during a run, with everything
    under them: direct children of ours that were not there when the run started
    (`before`) and are not a run still in progress (`exclude`). Only direct children are
    candidates, so what this program started itself before the run (a load generator, a
    server) is never touched, nor anything those start later."""
    if psutil is None or not _SUBREAPER_SET:
        return set()
    exclude = set(exclude)
    try:
        children = psutil.Process().children(recursive=False)
    except psutil.Error:
        return set()
    out = set()
    for p in children:
        try:
            name = key(p)
            if p.pid in exclude or name in before:
                continue
            out.add(name)
            out |= _named(p.children(recursive=True))
        except psutil.Error:
            pass
    return out


# ------------------------------------------------------------------- killing

def _not_the_students(p) -> bool:
    """multiprocessing's own resource tracker or fork server (killed, never blamed), or a
    process already on its way out (an empty command line: the kernel has released its
    memory, e.g. a helper hit by the group kill a moment ago)."""
    from .checks.hygiene import is_multiprocessing_helper
    cmdline = p.cmdline()
    return not cmdline or is_multiprocessing_helper(cmdline)


def _still_alive(seen: set[Proc]) -> tuple[list, set[int]]:
    """The processes of `seen` alive now (same pid *and* start time, not a zombie), and
    the pids among them that are not the student's."""
    procs, not_blamed = [], set()
    if psutil is None:
        return procs, not_blamed
    for pid, created in seen:
        try:
            p = psutil.Process(pid)
            if started(p) == created and p.status() != psutil.STATUS_ZOMBIE:
                procs.append(p)
                if _not_the_students(p):
                    not_blamed.add(p.pid)
        except psutil.Error:
            continue
    return procs, not_blamed


def _reap(pids: Iterable[int]) -> None:
    """Reap the zombies of `pids` re-parented to us (they are not our Popen children)."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.waitpid(pid, os.WNOHANG)


def kill_tree(pgid: int | None, seen: set[Proc]) -> list[int]:
    """SIGKILL the process group and every (pid, start time) in `seen` still alive;
    returns the pids that were alive and got killed, leaving out those that are not the
    student's (`_not_the_students`: killed too, never blamed)."""
    procs, not_blamed = _still_alive(seen)
    if pgid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()
    if procs:
        psutil.wait_procs(procs, timeout=2)
    _reap(pid for pid, _ in seen)
    return [p.pid for p in procs if p.pid not in not_blamed]


# ------------------------------------------------- the live children of runs

def start(cmd: list[str], **popen) -> subprocess.Popen:
    """subprocess.Popen(cmd, **popen), born and registered as a run's own in one step:
    another run's orphan sweep (same lock) never takes it for an orphan of its own,
    kills it and reaps it. `forget(pid)` when the run is over."""
    with _LIVE_LOCK:
        proc = subprocess.Popen(cmd, **popen)
        _LIVE.add(proc.pid)
    return proc


def forget(pid: int) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(pid)


def sweep(pgid: int | None, seen: set[Proc], before: set[Proc]) -> list[int]:
    """kill_tree of the group `pgid`, of `seen` and of every orphan re-parented to us
    since `before`; the orphans are decided and killed under the lock runs are born
    under (see `start`)."""
    with _LIVE_LOCK:
        return kill_tree(pgid, seen | orphans(before, exclude=_LIVE))


@contextlib.contextmanager
def no_sweep() -> Iterator[None]:
    """A block in which no run sweeps for orphans: children of ours started and waited
    for inside (the jail's probes) are never taken for a leftover of a run."""
    with _LIVE_LOCK:
        yield


# -------------------------------------------------------- users and cgroups

def kill_user(uid: int) -> list[int]:
    """SIGKILL every process running as `uid` until none is left; returns their pids."""
    killed: list[int] = []
    for _ in range(50):
        found = []
        for p in psutil.process_iter(["uids"]):
            try:
                uids = p.info["uids"]
                if uids is not None and uid in (uids.real, uids.effective):
                    found.append(p)
            except psutil.Error:
                pass
        if not found:
            break
        for p in found:
            try:
                p.send_signal(signal.SIGKILL)
                killed.append(p.pid)
            except psutil.Error:
                pass
        psutil.wait_procs(found, timeout=1)
    return sorted(set(killed))


def kill_cgroup(folder: Path) -> None:
    """SIGKILL every process of the cgroup `folder` (its cgroup.procs) until it is empty
    or unreadable; gives up after 50 rounds."""
    for _ in range(50):
        try:
            pids = [int(x) for x in (folder / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
