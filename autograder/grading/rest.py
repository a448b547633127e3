"""Is a process at rest? The kernel's answer, not a quiet period's guess.

A process is *at rest* when every one of its threads sleeps where nothing inside the
process can wake it: in an untimed futex wait (a lock, a condition, an event, a join,
queue.get() without timeout) or in a read of a socket or pipe, with no child process
that could write to it. Nothing in it runs again until something from outside (here, the
judge answering a call) wakes it. A thread in a timed wait (time.sleep, get(timeout=...),
a polling loop) or on a CPU means the process is not at rest: only time can tell what it
does next.

    snapshot(pid)    {tid: (what it is blocked in, CPU nanoseconds so far)} if every thread
                     is blocked for good, else None (also where this machine's system call
                     numbers are unknown: never a wrong "at rest")
    at_rest(pid)     two snapshots `settle` s apart, the same: no thread ran in between
                     (its CPU time did not move) and each is still blocked for good

The test doubles that hold a call until the rest of the student's code has finished
(assignment 1) let go as soon as the process is at rest, instead of waiting for a quiet
period, which costs its full length on every correct submission.
"""
from __future__ import annotations

import os
import platform
import time

from . import procfs

# System call numbers: futex, and the reads a blocked reader sits in (read, recvfrom,
# recvmsg). Linux's tables for the two architectures the kit runs on.
_CALLS = {"x86_64": (202, {0, 45, 47}), "aarch64": (98, {63, 207, 212})}
_FUTEX_WAIT, _FUTEX_WAIT_BITSET, _FUTEX_CMD = 0, 9, 0x7F


def _calls() -> tuple[int, set[int]] | None:
    return _CALLS.get(platform.machine())


def blocked_for_good(line: str, calls: tuple[int, set[int]]) -> bool:
    """Does a /proc/PID/task/TID/syscall line show a wait no timer ends?"""
    fields = line.split()
    if len(fields) < 5 or not fields[0].isdigit():
        return False                         # "running", "-1 ..." (not in a call)
    number, args = int(fields[0]), fields[1:]
    futex, reads = calls
    if number == futex:
        cmd = int(args[1], 16) & _FUTEX_CMD
        return cmd in (_FUTEX_WAIT, _FUTEX_WAIT_BITSET) and int(args[3], 16) == 0
    return number in reads


def reading(line: str) -> bool:
    """Does a syscall line show a thread blocked in a read (the judge's own readers)?"""
    calls = _calls()
    fields = line.split()
    return bool(calls and fields and fields[0].isdigit() and int(fields[0]) in calls[1])


def snapshot(pid: int) -> dict[int, tuple[str, int]] | None:
    calls = _calls()
    if calls is None or procfs.children(pid):
        return None
    seen = {}
    for tid in sorted(procfs.threads(pid)):
        line = procfs.task_file(pid, tid, "syscall").strip()
        ran = procfs.task_file(pid, tid, "schedstat").split()[:1]
        if procfs.task_state(pid, tid) != "S" or not ran or not blocked_for_good(line, calls):
            return None
        seen[tid] = (" ".join(line.split()[:5]), int(ran[0]))
    return seen or None


def at_rest(pid: int, settle: float = 0.03) -> bool:
    first = snapshot(pid)
    if first is None:
        return False
    time.sleep(settle)
    return snapshot(pid) == first


def supported() -> bool:
    """Can this machine tell (Linux, a known architecture, /proc readable)?"""
    return _calls() is not None and os.path.exists(f"/proc/{os.getpid()}/task")
