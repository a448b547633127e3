"""Thread stacks, trimmed to the student's own code.

When a test hangs or a thread leaks, the useful question at 2 a.m. is "which line of
MY file is it stuck on?". These helpers show, for each thread, the frames in the
student's files plus the innermost frame (where it is actually waiting, often a
`threading.py` or `queue.py` line).
"""
from __future__ import annotations

import linecache
import os
import sys
import threading
import traceback
from pathlib import Path
from types import FrameType

# Set by the plugin to the submission folder; frames under it are "the student's".
STUDENT_ROOTS: list[str] = []
TEST_ROOTS: list[str] = []     # where the graded tests run from (a scratch copy under the grader)
# Set by the plugin after collection: the test files holding only hidden tests. Their
# lines never reach a student: a frame in one shows as "(a hidden test)", without code.
HIDDEN_FILES: set[str] = set()


def is_hidden_file(filename: str) -> bool:
    try:
        return os.path.realpath(filename) in HIDDEN_FILES
    except (OSError, ValueError):
        return False


def is_student_file(filename: str) -> bool:
    try:
        real = os.path.realpath(filename)
    except (OSError, ValueError):
        return False
    return any(real.startswith(root.rstrip(os.sep) + os.sep) for root in STUDENT_ROOTS)


def _summary(frame: FrameType) -> list[traceback.FrameSummary]:
    return traceback.extract_stack(frame)


def format_frames(frames: list[traceback.FrameSummary], *, full: bool = False,
                  marker: str = "waiting here") -> list[str]:
    """Lines for one stack: the student's frames, and the innermost frame marked with
    `marker` ("waiting here" for a live thread, "raised here" for a traceback)."""
    keep = []
    for i, fs in enumerate(frames):
        innermost = i == len(frames) - 1
        if full or is_student_file(fs.filename) or innermost:
            keep.append((fs, innermost))
    lines = []
    for fs, innermost in keep:
        mine = is_student_file(fs.filename)
        if not mine and is_hidden_file(fs.filename):
            lines.append("(a hidden test: its code is not shown)"
                         + (f"    <-- {marker}" if innermost else ""))
            continue
        name = Path(fs.filename).name if mine else _short(fs.filename)
        tag = "" if mine else ("  (the grader's test code)" if _is_kit(fs.filename) else "  (library)")
        lines.append(f"{name}:{fs.lineno} in {fs.name}(){tag}")
        code = (fs.line or linecache.getline(fs.filename, fs.lineno)).strip()
        if code:
            lines.append(f"    {code}" + (f"    <-- {marker}" if innermost else ""))
    return lines


def _is_kit(filename: str) -> bool:
    from .. import KIT_ROOT
    real = os.path.realpath(filename)
    roots = [str(KIT_ROOT)] + TEST_ROOTS
    return any(real.startswith(r.rstrip(os.sep) + os.sep) for r in roots) and "site-packages" not in real


def _short(filename: str) -> str:
    parts = Path(filename).parts
    return "/".join(parts[-2:]) if len(parts) >= 2 else filename


def thread_stacks(*, idents: set[int] | None = None, skip_current: bool = True,
                  only_student: bool = False) -> list[tuple[str, list[str]]]:
    """[(thread description, formatted lines)] for live threads.

    `idents` limits to those threads; `only_student` keeps threads that have at
    least one frame in the student's files.
    """
    names = {t.ident: t for t in threading.enumerate()}
    current = threading.get_ident()
    out = []
    for ident, frame in sys._current_frames().items():
        if skip_current and ident == current:
            continue
        if idents is not None and ident not in idents:
            continue
        frames = _summary(frame)
        if only_student and not any(is_student_file(f.filename) for f in frames):
            continue
        thread = names.get(ident)
        if getattr(thread, "_ck_hidden", False):
            continue
        desc = f"thread {thread.name!r}" if thread else f"thread {ident}"
        if thread is not None and thread.daemon:
            desc += " (daemon)"
        out.append((desc, format_frames(frames)))
    # Threads running the student's code first: those are the interesting ones.
    out.sort(key=lambda item: not any(".py:" in line and "(library)" not in line
                                      for line in item[1]))
    return out


def render(stacks: list[tuple[str, list[str]]], limit: int = 8) -> str:
    chunks = []
    for desc, lines in stacks[:limit]:
        chunks.append(desc + ":\n" + "\n".join("  " + line for line in lines))
    if len(stacks) > limit:
        chunks.append(f"... and {len(stacks) - limit} more threads")
    return "\n".join(chunks)
