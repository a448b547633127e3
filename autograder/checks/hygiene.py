"""Thread and process hygiene, in the spirit of CPython's test.support.threading_helper.

What a test's process left alive is read by the judge from /proc (grading/judge.py
`leaks_since`); this module holds what that reading and the tests share: `Leaks` (the
report), `is_multiprocessing_helper` (multiprocessing's long-lived helpers are not a
student's leak), and polling on the trusted clock (`wait_for`, `settled`).
"""
from __future__ import annotations

import dataclasses

from .timing import now, sleep


# Long-lived helpers multiprocessing starts once per interpreter (not per pool) under
# spawn and forkserver: they are not the student's leak, and they exit with the grader.
_MP_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def is_multiprocessing_helper(cmdline: list[str]) -> bool:
    """True for multiprocessing's resource tracker or fork server process."""
    return any(helper in arg for arg in cmdline for helper in _MP_HELPERS)


def is_helper_process(cmdline: list[str], parent_cmdline: list[str]) -> bool:
    """A helper itself, not a process one forked: the pool workers a fork server forks
    carry its command line, and are the student's."""
    return is_multiprocessing_helper(cmdline) and not is_multiprocessing_helper(parent_cmdline)


@dataclasses.dataclass
class Leaks:
    threads: list            # each with .name and .daemon (judge.ThreadInfo)
    processes: dict[int, str]
    thread_stacks: str = ""

    def __bool__(self) -> bool:
        return bool(self.threads or self.processes)

    def text(self) -> str:
        parts = []
        if self.threads:
            names = ", ".join(f"{t.name!r}{' (daemon)' if t.daemon else ''}" for t in self.threads)
            parts.append(f"{len(self.threads)} thread(s) still alive after your function returned: {names}")
        if self.processes:
            procs = ", ".join(f"pid {pid} ({cmd})" for pid, cmd in sorted(self.processes.items()))
            parts.append(f"{len(self.processes)} child process(es) still alive: {procs}")
        return "; ".join(parts)


def wait_for(predicate, timeout: float, interval: float = 0.005) -> bool:
    """Poll `predicate` on the trusted clock until true or `timeout` s pass."""
    deadline = now() + timeout
    while now() < deadline:
        if predicate():
            return True
        sleep(interval)
    return bool(predicate())


def settled(read, *, quiet: float, limit: float, interval: float = 0.02, until=None):
    """Poll `read()` on the trusted clock until its value has not changed for `quiet` s
    (or `limit` s have passed, or `until()` says there is nothing more to wait for: the
    kernel's word that the process is at rest, grading/rest.py); return the last value.
    How far a producer got while everything downstream is blocked, for instance."""
    last, began = read(), now()
    stable_since = began
    while now() - stable_since < quiet and now() - began < limit:
        if until is not None and until():
            return read()
        sleep(interval)
        value = read()
        if value != last:
            last, stable_since = value, now()
    return last
