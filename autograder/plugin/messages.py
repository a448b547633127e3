"""What a failed test says to the student: the failure's own message, an exception in the
student's code at their line, a hang with the stacks, a limit of the jail in words, a
hidden test's failure without a line of it."""
from __future__ import annotations

import errno
import os
import re
import traceback
from pathlib import Path

import pytest

from ..checks import stacks
from ..checks.feedback import GradedFailure
from ..grading.judge import StudentImportError
from .state import HANG, HANG_CAUSE, TestHung, graded_info, is_hidden, state_of

def deaths_first(deaths: str, message: str) -> str:
    """A failing test's message with the threads of the student's that died of an
    exception said first: the likeliest real cause of what the test saw (a consumer that
    died with handle()'s exception loses its items, stops taking from the queue...). The
    worker says which threads died; it is feedback, the verdict is the test's."""
    if "died with" in message:              # the message says it already (a hang's)
        return message
    return ("First, the likely real cause: a thread of yours died with an exception, and "
            "the work it owed was never done (the lesson: 'Handle exceptions: Always wrap "
            "worker functions in try/except'):\n"
            + "\n".join("  " + line for line in _one_of_each(deaths)) + "\n\n" + message)


def _one_of_each(deaths: str) -> list[str]:
    """deaths_text's blocks ("thread 'x' died with E: ..." and its frames), one per kind
    (the same exception type raised from the same place), with how many died so."""
    blocks: list[list[str]] = []
    for line in deaths.splitlines():
        if line.startswith("thread ") or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    kinds: dict[tuple, list[list[str]]] = {}
    for block in blocks:
        kind = block[0].split(" died with ", 1)[-1].split(":", 1)[0]
        kinds.setdefault((kind, tuple(block[1:])), []).append(block)
    out: list[str] = []
    for same in kinds.values():
        out += same[0] + [f"({len(same)} thread(s) died this way)"]
    return out


def exits_first(exits: list[str], message: str) -> str:
    """A failing test's message with the processes of the student's that ended badly said
    first ("process 4242 was killed by SIGSEGV"): the kernel's record (grading/exits.py),
    the likeliest real cause of a BrokenProcessPool or of results that never came."""
    kinds: dict[str, list[str]] = {}
    for line in exits:
        kinds.setdefault(line.split(" ", 2)[-1], []).append(line)
    lines = [f"{same[0]}" + (f" ({len(same)} processes ended this way)" if len(same) > 1 else "")
             for same in kinds.values()]
    return ("First, the likely real cause: a process your code started ended badly (the "
            "kernel's record of how it ended; a pool whose worker dies raises "
            "BrokenProcessPool, or loses that worker's results):\n"
            + "\n".join("  " + line for line in lines) + "\n\n" + message)


def tampered(changed: list[str]) -> str:
    # The grader does not believe this result (channel.audit): it explains to the student.
    shown = ", ".join(changed[:6]) + (f" and {len(changed) - 6} more" if len(changed) > 6 else "")
    return f"Your code replaced something the grading relies on: {shown}."


def limit_hit(exc: BaseException) -> str:
    """Which of the jail's limits `exc` comes from, in words ("" if none)."""
    from .. import jail
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return (f"\nYour code wrote more than {jail.MAX_FILE_MB} MB (printed output, which the "
                f"test captures in a file, or a file of its own): the grader stops a submission "
                f"there instead of letting it fill the disk. Look for a print() or a write() in "
                f"a loop that never ends.")
    if isinstance(exc, MemoryError) or (isinstance(exc, OSError) and exc.errno == errno.ENOMEM):
        together = os.environ.get("CK_MEMORY_MB", str(jail.MAX_MEMORY_MB))
        return (f"\nA process of a grading may use {jail.MAX_AS_GB} GB of memory at most (all "
                f"of them together {together} MB). Look for a list, a string or a queue that "
                f"grows without end.")
    if (isinstance(exc, OSError) and exc.errno == errno.EAGAIN) or \
            (isinstance(exc, RuntimeError) and "can't start new thread" in str(exc)):
        return (f"\nA grading may run {jail.MAX_TASKS} processes and threads at once. Look for "
                f"a loop that starts a process or a thread per item instead of using a pool.")
    return ""


def message(item: pytest.Item, call: pytest.CallInfo) -> str:
    exc = call.excinfo.value if call.excinfo else None
    if exc is None:
        return ""
    if isinstance(exc, GradedFailure):
        return exc.text()
    if isinstance(exc, TestHung):
        hang = item.stash.get(HANG, "")
        limit = state_of(item.config).current_timeout
        return GradedFailure(
            f"{exc.msg}\nIt hung.", measured=f"still running after {limit or 0:g} s",
            expected=f"the test finishes well within its {limit or 0:g} s", cause=HANG_CAUSE,
            where=hang,
            where_label="where (every thread when the time ran out, your file's lines first)"
        ).text()
    if isinstance(exc, StudentImportError):
        return str(exc)
    from ..grading.worker import Garbled, WorkerDied
    if isinstance(exc, WorkerDied):
        return str(exc)
    if isinstance(exc, Garbled):
        return (f"Not graded: your code wrote to the grader's channel something that is not "
                f"the grader's protocol ({exc}).")
    frames = getattr(exc, "ck_frames", None)      # raised in the worker: its own traceback
    if frames is None:
        frames = traceback.extract_tb(exc.__traceback__)
    student_frames = [fs for fs in frames if stacks.is_student_file(fs.filename)]
    why = limit_hit(exc)
    if isinstance(exc, TypeError) and "argument" in str(exc):
        called = re.match(r"(\w+)\(\)", str(exc))
        signature = stub_signature_at(item, called.group(1)) if called else None
        if signature:
            why = (f"\nThe tests call it the way the stub declares it: {signature}. Keep the "
                   f"stub's parameters, their names and their defaults.")
    if student_frames:
        last = student_frames[-1]
        title = graded_info(item)
        return GradedFailure(
            f"Your code raised {type(exc).__name__}: {what_it_said(exc)}{why}",
            measured=f"{type(exc).__name__} raised in {last.name}() "
                     f"({Path(last.filename).name}, line {last.lineno}) and not caught",
            expected=f"{title['name'] if title else 'the test passes'}, with no exception "
                     f"escaping your code",
            cause="an input or a failure this test brings that your code does not handle (an "
                  "empty input, a size that comes out as 0, a request that fails); the line "
                  "marked below is where it went wrong",
            where="\n".join(stacks.format_frames(student_frames[-4:], full=True,
                                                 marker="raised here"))).text()
    if is_hidden(item):
        # Never a line of a hidden test: pytest's text of a failed plain `assert` quotes
        # the test's own expression (and its longrepr, the test's source).
        said = what_it_said(exc)
        return (f"A hidden test failed: {type(exc).__name__}"
                + (f": {said}" if said else " (the hidden test's own check; its code is not "
                                            "shown)") + why)
    return f"The test failed: {call.excinfo.exconly()}{why}"


def what_it_said(exc: BaseException) -> str:
    """What `exc` says, without pytest's rewritten-assert explanation ("assert x == 3
    + where ..."), which quotes the test's source: a plain `assert cond, "text"` says
    "text"; a plain `assert cond` says nothing."""
    text = str(exc)
    if isinstance(exc, AssertionError) and not isinstance(exc, GradedFailure):
        kept = []
        for line in text.splitlines():
            if line.startswith("assert ") or line == "assert":
                break
            kept.append(line)
        text = "\n".join(kept).strip()
    return text[:2000]


def stub_signature_at(item: pytest.Item, name: str, module: str | None = None) -> str | None:
    """`def name(args) -> ret` as the stub beside the tests declares it (precheck's reader)."""
    from ..precheck import signatures
    try:
        module = module or item.config.getoption("--ck-module")
    except pytest.UsageError:
        return None
    if not module:
        return None
    found = signatures(Path(str(item.path)).resolve().parent.parent / f"{module}.py", [name])
    return found[0] if found else None

