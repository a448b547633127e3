"""What the kernel says about the worker's processes: the evidence a worker cannot forge.

    threads(pid)         thread ids of a process (/proc/PID/task)
    descendants(pid)     every process under it, walked through /proc/PID/task/*/children
    tree(pid)            it and its descendants
    ancestors(pid)       its parent, the parent's parent, ... (/proc/PID/stat)
    cpu(pid)             CPU seconds it used itself, and what its reaped children used
    io(pid)              its I/O counters: write and read system calls, bytes
    stop(pids), cont(pids)   SIGSTOP / SIGCONT (a frozen worker competes with nothing)
    kill(pids), wait_gone(pids)  SIGKILL, and the wait until the kernel says they are gone

Everything reads /proc directly (no psutil in the hot path: a freeze happens around
every call). A process that is gone reads as empty, never as an error.
"""
from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_HAS_CHILDREN = None


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    state = stat(pid)
    return bool(state) and state[0] not in ("Z", "X")


def stat(pid: int) -> list[str]:
    """/proc/PID/stat fields after the command name: [state, ppid, ...] ([] if gone)."""
    return _stat_fields(_read(f"/proc/{pid}/stat"))


def _stat_fields(text: str) -> list[str]:
    if not text or ")" not in text:
        return []
    return text.rsplit(")", 1)[1].split()


def sched_times(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds waiting in the run queue) of the process's threads, from
    /proc/PID/task/*/schedstat (kept by the scheduler to the nanosecond); zeros if gone."""
    run = delay = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0, 0.0
    for tid in tasks:
        values = _read(f"/proc/{pid}/task/{tid}/schedstat").split()[:2]
        if len(values) == 2 and all(v.isdigit() for v in values):
            run += int(values[0])
            delay += int(values[1])
    return run / 1e9, delay / 1e9


def sched(pid: int) -> float:
    """Seconds the process's threads were runnable: on a CPU or waiting in the run queue
    for one (/proc/PID/task/*/schedstat: run time + run delay, kept by the scheduler to
    the nanosecond). 0.0 if gone or unknown."""
    return sum(sched_times(pid))


def run_time(pid: int) -> float:
    """Seconds the process's threads spent on a CPU, to the nanosecond (schedstat's run
    time; /proc/PID/stat's utime+stime count in 10 ms ticks). 0.0 if gone or unknown."""
    return sched_times(pid)[0]


def exit_code(pid: int) -> int | None:
    """How a zombie (not yet reaped) ended: its exit code, or -signal; None if unknown."""
    fields = stat(pid)
    if len(fields) < 50 or fields[0] != "Z":
        return None
    status = int(fields[49])
    if status & 0x7F:
        return -(status & 0x7F)
    return (status >> 8) & 0xFF


def ppid(pid: int) -> int | None:
    fields = stat(pid)
    return int(fields[1]) if len(fields) > 1 else None


def threads(pid: int) -> set[int]:
    try:
        return {int(t) for t in os.listdir(f"/proc/{pid}/task")}
    except OSError:
        return set()


def children(pid: int) -> set[int]:
    global _HAS_CHILDREN
    if _HAS_CHILDREN is None:
        _HAS_CHILDREN = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    if not _HAS_CHILDREN:
        return _children_by_scan(pid)
    out: set[int] = set()
    for tid in threads(pid):
        out.update(int(c) for c in _read(f"/proc/{pid}/task/{tid}/children").split())
    return out


def _children_by_scan(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and ppid(int(entry)) == pid:
            out.add(int(entry))
    return out


def descendants(pid: int) -> set[int]:
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in children(todo.pop()):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def tree(pid: int) -> set[int]:
    return {pid} | descendants(pid)


def ancestors(pid: int) -> Iterator[int]:
    """Its parent, then the parent's parent, ..., while the kernel knows one."""
    parent = ppid(pid)
    while parent:
        yield parent
        parent = ppid(parent)


def cpu(pid: int) -> tuple[float, float]:
    """(seconds of CPU the process used, all its threads; seconds its reaped children
    used), from /proc/PID/stat: utime + stime, cutime + cstime."""
    fields = stat(pid)
    if len(fields) < 15:
        return 0.0, 0.0
    own = (int(fields[11]) + int(fields[12])) / _TICK
    reaped = (int(fields[13]) + int(fields[14])) / _TICK
    return own, reaped


def io(pid: int) -> dict[str, int]:
    """/proc/PID/io: rchar, wchar, syscr, syscw, ... ({} if unreadable). A pipe write is a
    syscw; a send() on a socket (how the worker talks to the judge) is not."""
    out = {}
    for line in _read(f"/proc/{pid}/io").splitlines():
        key, _, value = line.partition(":")
        if value.strip().isdigit():
            out[key.strip()] = int(value)
    return out


def uid(pid: int) -> int | None:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


def cmdline(pid: int) -> list[str]:
    return [a for a in _read(f"/proc/{pid}/cmdline").split("\0") if a]


def name(pid: int) -> str:
    return _read(f"/proc/{pid}/comm").strip()


def signal_all(pids, sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)


def stop(pids, settle: float = 0.05) -> None:
    """SIGSTOP, then wait (up to `settle` s) until the kernel has stopped each of them:
    a baseline timed right after must not share the CPU with a process still running."""
    pids = list(pids)
    signal_all(pids, signal.SIGSTOP)
    deadline = time.monotonic() + settle
    for pid in pids:
        while time.monotonic() < deadline:
            state = stat(pid)
            if not state or state[0] in ("T", "t", "Z", "X"):
                break
            time.sleep(0)                   # yield: a stop takes microseconds


def cont(pids) -> None:
    signal_all(pids, signal.SIGCONT)


def kill(pids) -> None:
    signal_all(pids, signal.SIGKILL)


def wait_gone(pids, timeout: float = 1.0, pause: float = 0.002) -> bool:
    """Poll until none of `pids` is alive (gone, or a zombie) or `timeout` s of pauses
    have passed; whether they are all gone."""
    pids = list(pids)
    for _ in range(round(timeout / pause)):
        if not any(alive(p) for p in pids):
            return True
        time.sleep(pause)
    return False


def task_file(pid: int, tid: int, name: str) -> str:
    """/proc/PID/task/TID/<name> (stat, syscall, schedstat, ...); "" if gone."""
    return _read(f"/proc/{pid}/task/{tid}/{name}")


def task_state(pid: int, tid: int) -> str:
    """A thread's state letter (R running, S asleep, D in the disk, ...); "" if gone."""
    fields = _stat_fields(task_file(pid, tid, "stat"))
    return fields[0] if fields else ""


def name_of_thread(pid: int, tid: int) -> str:
    """The kernel's name of a thread (its comm: 15 characters; Python 3.14 sets it)."""
    return _read(f"/proc/{pid}/task/{tid}/comm").strip() or f"thread {tid}"


def inner_tid(pid: int, tid: int) -> int:
    """A thread's id as its own PID namespace numbers it (what Python's
    threading.get_native_id() says inside bubblewrap): the last of its NSpid."""
    for line in _read(f"/proc/{pid}/task/{tid}/status").splitlines():
        if line.startswith("NSpid:"):
            parts = line.split()[1:]
            if parts and parts[-1].isdigit():
                return int(parts[-1])
    return tid
