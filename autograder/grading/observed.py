"""What the judge tells of a worker process, for the feedback: why the student's module
did not import, which limit of the jail stopped a call, where every thread is stuck, which
threads died of what, and what a call left running (threads and processes, from /proc).

    import_message(report, config)   the module would not import: the error, in their file
    limit_hit(exc)                   "the jail's memory limit", "File too large", ...
    where(session)                   the stacks of the student's threads, theirs first
    deaths_text(session)             threads that died with an exception, and where
    snapshot(session) / leaks_since(session, before)   what a call left behind
"""
from __future__ import annotations

import dataclasses
import errno
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..checks import stacks
from ..checks.hygiene import Leaks, is_helper_process
from ..checks.timing import now, sleep
from . import crossing, procfs
from .worker import ImportReport, Session

if TYPE_CHECKING:
    from .judge import JudgeConfig

MAIN_THREAD = "your function (the test's main thread)"


# ------------------------------------------------------------------ messages

def import_message(report: ImportReport, config: JudgeConfig) -> str:
    name = config.module
    if report.kind == "missing":
        folder = Path(config.submission)
        found = sorted(p.name for p in folder.glob("*.py")) if folder.is_dir() else []
        return (f"Your submission has no {name}.py (looked in {folder}"
                + (f"; found {', '.join(found)}" if found else "; it holds no .py file") + "). "
                f"Keep the file name of the stub: the tests import `{name}`.")
    if report.kind == "syntax":
        s = report.syntax or {}
        return f"{name}.py has a syntax error at line {s.get('line')}: {s.get('msg')}\n    " \
               f"{(s.get('text') or '').strip()}"
    if report.kind == "hang":
        where = faulthandler_stacks(report.stacks)
        return (f"Importing {name}.py did not finish within {config.import_timeout:g} s: code at "
                f"the top level of your file runs forever (an infinite loop, or a blocking call "
                f"outside any function). Put work inside functions."
                + ("\n  where (when the time ran out):\n" + indent(where, 4) if where else ""))
    if report.kind == "ended":
        return (f"The test process ended in the middle of this test (exit code "
                f"{report.exit_code}): importing {name}.py ended the process (os._exit(), a "
                f"signal, or a crash of the interpreter). Code at the top level of your file "
                f"runs when the tests import it; it must only define things.")
    exc = report.error
    frames = [f for f in getattr(exc, "ck_frames", []) if stacks.is_student_file(f.filename)]
    where = "\n".join(stacks.format_frames(frames, marker="raised here"))
    return (f"Importing {name}.py raised {type(exc).__name__}: {said(exc)}\n"
            f"Code at the top level of your file runs when the tests import it; "
            f"it must only define things.{limit_hit(exc)}" + (f"\n{where}" if where else ""))


def said(exc: BaseException) -> str:
    return str(getattr(exc, "ck_message", None) or exc)[:2000]


def limit_hit(exc: BaseException | None) -> str:
    """Which of the jail's limits `exc` comes from, in words ("" if none)."""
    from .. import jail
    name = type(exc).__name__ if exc is not None else ""
    text = said(exc) if exc is not None else ""
    code = getattr(exc, "errno", None)
    if code == errno.EFBIG or "File too large" in text:
        return (f"\nYour code wrote more than {jail.MAX_FILE_MB} MB (printed output, which the "
                f"test captures in a file, or a file of its own): the grader stops a submission "
                f"there instead of letting it fill the disk. Look for a print() or a write() in "
                f"a loop that never ends.")
    if name == "MemoryError" or code == errno.ENOMEM:
        together = os.environ.get("CK_MEMORY_MB", str(jail.MAX_MEMORY_MB))
        return (f"\nA process of a grading may use {jail.MAX_AS_GB} GB of memory at most (all "
                f"of them together {together} MB). Look for a list, a string or a queue that "
                f"grows without end.")
    if code == errno.EAGAIN or "can't start new thread" in text:
        return (f"\nA grading may run {jail.MAX_TASKS} processes and threads at once. Look for "
                f"a loop that starts a process or a thread per item instead of using a pool.")
    return ""


def indent(text: str, n: int) -> str:
    return "\n".join(" " * n + line for line in text.splitlines())


_FH_FRAME = re.compile(r'^\s*File "(.+)", line (\d+) in (\S+)')


def faulthandler_stacks(text: str) -> str:
    """faulthandler's dump ('File "x", line N in f', most recent first) as our frames."""
    import traceback
    chunks, frames = [], []
    for line in text.splitlines() + [""]:
        m = _FH_FRAME.match(line)
        if m:
            frames.append(traceback.FrameSummary(m.group(1), int(m.group(2)), m.group(3)))
        elif frames:
            chunks.append("\n".join(stacks.format_frames(list(reversed(frames)))))
            frames = []
    return "\n".join(c for c in chunks if c)


# ------------------------------------------------------------------- threads

@dataclasses.dataclass
class ThreadInfo:
    name: str
    daemon: bool = False
    native: int | None = None
    ident: int | None = None


def thread_stacks(answer: dict | None, *, natives: set[int] | None = None,
                  only_student: bool = False, main: bool = True) -> list[tuple[str, list[str]]]:
    """The worker's answer to "stacks" as [(description, lines)], like
    checks.stacks.thread_stacks: `natives` limits to those threads (and the main thread,
    which runs the call)."""
    out = []
    for t in (answer or {}).get("stacks") or []:
        if not isinstance(t, dict):
            continue
        native = t.get("native")
        if t.get("main") and not main:
            continue
        if natives is not None and native not in natives and not t.get("main"):
            continue
        frames = crossing._frames(t.get("frames"))
        if only_student and not any(stacks.is_student_file(f.filename) for f in frames):
            continue
        desc = MAIN_THREAD if t.get("main") else f"thread {str(t.get('name'))!r}"
        if t.get("daemon"):
            desc += " (daemon)"
        out.append((desc, stacks.format_frames(frames)))
    out.sort(key=lambda item: not any(".py:" in line and "(library)" not in line
                                      for line in item[1]))
    return out


def inner(session: Session, tids: set[int]) -> set[int]:
    """Kernel thread ids (the judge's view) as the worker's own PID namespace numbers them."""
    return {procfs.inner_tid(session.pid, t) for t in tids}


def where(session: Session, natives: set[int] | None = None) -> str:
    """Where the worker's threads are now (`natives`: the kernel's ids of those to show,
    besides the main thread), the student's lines first."""
    natives = inner(session, natives) if natives is not None else None
    answer = session.ask("stacks")
    return stacks.render(thread_stacks(answer, natives=natives, only_student=True)) or \
        stacks.render(thread_stacks(answer, natives=natives))


def deaths_text(session: Session) -> str:
    answer = session.ask("deaths") or {}
    out = []
    for d in answer.get("deaths") or []:
        if not isinstance(d, dict):
            continue
        try:
            exc = session.decoder.decode(d.get("error")) if d.get("error") else None
        except Exception:  # noqa: BLE001 - a garbled report of a death is no death
            exc = None
        name = str(d.get("name") or "?")[:80]
        if exc is None:
            out.append(f"thread {name!r} died")
            continue
        out.append(f"thread {name!r} died with {type(exc).__name__}: {said(exc)}")
        body = d["error"].get("$e") if isinstance(d.get("error"), dict) else None
        frames = crossing._frames(body.get("frames")) if isinstance(body, dict) else []
        if frames:
            out.extend("  " + ln for ln in stacks.format_frames(frames, marker="raised here"))
    return "\n".join(out)


def processes_of(session: Session, pids: set[int]) -> dict[int, str]:
    """{pid: what it is} for the student's processes among `pids` (multiprocessing's
    own helpers left out: its resource tracker and fork server)."""
    own = procfs.cmdline(session.pid) if session.pid else []
    out = {}
    for pid in sorted(pids):
        if not procfs.alive(pid):
            continue
        cmd = procfs.cmdline(pid)
        parent = procfs.ppid(pid)
        if is_helper_process(cmd, procfs.cmdline(parent) if parent else []):
            continue
        text = " ".join(cmd)
        if "multiprocessing.spawn" in text or "spawn_main" in text:
            out[pid] = "a pool worker started with spawn"
        elif "multiprocessing.forkserver" in text:
            out[pid] = "a pool worker started by the fork server"
        elif cmd == own:
            out[pid] = "a pool worker forked from the test process"
        else:
            out[pid] = " ".join(cmd[:4])[:120] or procfs.name(pid)
    return out


@dataclasses.dataclass
class Before:
    threads: set[int]
    processes: set[int]


def snapshot(session: Session) -> Before:
    return Before(procfs.threads(session.pid), session.tree() - {session.pid})


def leaks_since(session: Session, before: Before, *, grace: float = 0.25) -> Leaks:
    """Threads and processes of the test's process started since `before` and alive after
    `grace` s (the kernel's count: /proc), named by the worker where it can."""
    with session.running():
        def read():
            threads = procfs.threads(session.pid) - before.threads
            procs = processes_of(session, session.tree() - {session.pid} - before.processes)
            return threads, procs
        deadline = now() + grace
        while True:
            threads, procs = read()
            if (not threads and not procs) or now() >= deadline:
                break
            sleep(0.01)
        answer = session.ask("stacks") if threads else None
        ids = {tid: procfs.inner_tid(session.pid, tid) for tid in threads}
    named = {t.get("native"): t for t in (answer or {}).get("stacks") or [] if isinstance(t, dict)}
    infos = []
    for tid in sorted(threads):
        t = named.get(ids[tid])
        infos.append(ThreadInfo(str(t.get("name"))[:80], bool(t.get("daemon")), tid)
                     if t else ThreadInfo(procfs.name_of_thread(session.pid, tid), False, tid))
    text = stacks.render(thread_stacks(answer, natives=set(ids.values()), main=False)) \
        if threads else ""
    return Leaks(infos, procs, text)
