"""Thread and process hygiene, in the spirit of CPython's test.support.threading_helper.

    before = hygiene.snapshot()
    result = student_function(...)
    leaks = hygiene.leaks_since(before)        # threads/children still alive
    if leaks: feedback.fail(leaks.text(), ...)

plus `ThreadExceptions`, which catches exceptions that killed a thread (the ones a
submission "swallows" by letting a worker die), so feedback can name them.
"""
from __future__ import annotations

import dataclasses
import os
import threading
from typing import Any

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is a dependency; keep a fallback
    psutil = None

from . import stacks
from .timing import now, sleep


def _children(pid: int | None = None) -> dict[int, str]:
    """Live descendants of this process: {pid: command line}."""
    if psutil is None:
        import multiprocessing
        return {p.pid: p.name for p in multiprocessing.active_children() if p.pid}
    out = {}
    try:
        for child in psutil.Process(pid or os.getpid()).children(recursive=True):
            try:
                if child.status() == psutil.STATUS_ZOMBIE:
                    continue
                cmdline = child.cmdline()
                if is_multiprocessing_helper(cmdline):
                    continue
                out[child.pid] = _describe(cmdline) or child.name()
            except psutil.Error:
                continue
    except psutil.Error:
        pass
    return out


def _describe(cmdline: list[str]) -> str:
    """What a child process is, in words a student recognises (its full command line is
    the grader's own, for a forked pool worker)."""
    text = " ".join(cmdline)
    if "multiprocessing.spawn" in text or "spawn_main" in text:
        return "a pool worker started with spawn"
    if cmdline and cmdline == _own_cmdline():
        return "a pool worker forked from the test process"
    return " ".join(cmdline[:4])[:120]


def _own_cmdline() -> list[str]:
    try:
        return psutil.Process(os.getpid()).cmdline() if psutil is not None else []
    except psutil.Error:
        return []


# Long-lived helpers multiprocessing starts once per interpreter (not per pool) under
# spawn and forkserver: they are not the student's leak, and they exit with the grader.
_MP_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def is_multiprocessing_helper(cmdline: list[str]) -> bool:
    """True for multiprocessing's resource tracker or fork server process."""
    return any(helper in arg for arg in cmdline for helper in _MP_HELPERS)


@dataclasses.dataclass
class Snapshot:
    threads: set[int]          # idents; CPython reuses them, so compare thread_objects
    children: set[int]
    thread_objects: frozenset = frozenset()


def snapshot() -> Snapshot:
    alive = threading.enumerate()
    return Snapshot(threads={t.ident for t in alive if t.ident}, children=set(_children()),
                    thread_objects=frozenset(alive))


@dataclasses.dataclass
class Leaks:
    threads: list[threading.Thread]
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


def leaks_since(before: Snapshot, *, grace: float = 0.25) -> Leaks:
    """Threads and child processes started since `before` and alive after `grace` s.

    The grace period lets a thread that is already on its way out (past its last line)
    finish; a thread blocked on a queue or a timeout is still reported.
    """
    deadline = now() + grace
    while True:
        threads = [t for t in threading.enumerate()
                   if t not in before.thread_objects and t.is_alive()
                   and t is not threading.current_thread() and not _is_ours(t)]
        procs = {pid: cmd for pid, cmd in _children().items() if pid not in before.children}
        if (not threads and not procs) or now() >= deadline:
            break
        sleep(0.01)
    stack_text = ""
    if threads:
        stack_text = stacks.render(stacks.thread_stacks(idents={t.ident for t in threads if t.ident}))
    return Leaks(threads, procs, stack_text)


def _is_ours(thread: threading.Thread) -> bool:
    return getattr(thread, "_ck_internal", False)


def reap_processes(pids: set[int] | dict[int, Any], timeout: float = 1.0) -> None:
    """Kill leaked children so the next test starts clean."""
    if psutil is None:
        return
    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.Error:
            pass
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=timeout)


class ThreadExceptions:
    """Collect exceptions that end threads (threading.excepthook) during a test."""

    def __init__(self) -> None:
        self.caught: list[tuple[str, BaseException, str]] = []
        self._previous = None

    def __enter__(self) -> "ThreadExceptions":
        self._previous = threading.excepthook

        def hook(args: threading.ExceptHookArgs) -> None:
            import traceback
            name = args.thread.name if args.thread is not None else "?"
            frames = traceback.extract_tb(args.exc_traceback) if args.exc_traceback else []
            where = "\n".join(stacks.format_frames(frames, marker="raised here")) if frames else ""
            self.caught.append((name, args.exc_value, where))

        threading.excepthook = hook
        return self

    def __exit__(self, *exc) -> None:
        threading.excepthook = self._previous

    def text(self) -> str:
        out = []
        for name, exc, where in self.caught:
            out.append(f"thread {name!r} died with {type(exc).__name__}: {exc}")
            if where:
                out.extend("  " + ln for ln in where.splitlines())
        return "\n".join(out)


def wait_for(predicate, timeout: float, interval: float = 0.005) -> bool:
    """Poll `predicate` on the trusted clock until true or `timeout` s pass."""
    deadline = now() + timeout
    while now() < deadline:
        if predicate():
            return True
        sleep(interval)
    return bool(predicate())


def settled(read, *, quiet: float, limit: float, interval: float = 0.02):
    """Poll `read()` on the trusted clock until its value has not changed for `quiet` s
    (or `limit` s have passed); return the last value. How far a producer got while
    everything downstream is blocked, for instance."""
    last, began = read(), now()
    stable_since = began
    while now() - stable_since < quiet and now() - began < limit:
        sleep(interval)
        value = read()
        if value != last:
            last, stable_since = value, now()
    return last


def run_with_deadline(fn, timeout: float) -> tuple[bool, Any, BaseException | None]:
    """Run `fn()` in a helper thread; (finished, result, error) after at most `timeout` s.

    Lets a test say "your function did not return within 5 s" and show where it is stuck,
    instead of hanging until the per-test timeout.
    """
    box: dict[str, Any] = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            box["error"] = exc

    t = threading.Thread(target=target, name="ck-caller", daemon=True)
    t._ck_internal = True  # type: ignore[attr-defined]
    t.start()
    t.join(timeout)
    if t.is_alive():
        return False, None, None
    return True, box.get("result"), box.get("error")
