"""`make watch ASSIGNMENT=N`: run the visible tests again every time the file is saved.

Each run clears the screen and shows one screenful: a line per test as its result arrives,
then the feedback of the failing tests, as much as fits, and the points so far. Saving
again while the tests run stops that run and starts a new one. Ctrl-C stops the tests (their
whole process tree) and leaves with status 0.

On a terminal, watch takes the terminal's foreground for its own process group, so Ctrl-C
reaches watch alone and `make` sees a clean exit instead of printing "Interrupt"; the
shell's terminal settings are given back on the way out. When the output is not a
terminal (a pipe, a file), runs are separated by a line instead of a cleared screen.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

from .. import console, manifest, reports, runner, shards, terminal
from . import check, progress
from ..scoring import Grade
from ..submission import SubmissionError

POLL = 0.25           # seconds between looks at the file
CLEAR = "\033[H\033[2J\033[3J"


def signature(path: Path) -> tuple | None:
    """What changes when the file is saved (editors that save by renaming included)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@contextlib.contextmanager
def own_terminal(stream=sys.stdin):
    """Make this process group the terminal's foreground group for the duration, so Ctrl-C
    and Ctrl-Z reach us and not `make` above us. A no-op when not on a terminal."""
    try:
        fd = stream.fileno()
        if not os.isatty(fd) or os.tcgetpgrp(fd) != os.getpgrp():
            yield False
            return
    except (OSError, ValueError, AttributeError):
        yield False
        return
    before = os.tcgetpgrp(fd)
    old_ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    old_tstp = signal.signal(signal.SIGTSTP, signal.SIG_IGN)   # Ctrl-Z: keep watching
    try:
        try:
            os.setpgid(0, 0)
            os.tcsetpgrp(fd, os.getpgrp())
        except OSError:
            yield False
            return
        yield True
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(fd, before)
        signal.signal(signal.SIGTTOU, old_ttou)
        signal.signal(signal.SIGTSTP, old_tstp)


def _size(stream) -> tuple[int, int]:
    cols, lines = os.get_terminal_size(stream.fileno()) if terminal.is_terminal(stream) else (100, 40)
    return max(cols, 40), max(lines, 12)


def screen(a, grade: Grade, *, width: int, height: int, colour: bool, saved: str,
           before: dict | None) -> str:
    """One screenful: a line per test, the failing tests' feedback as far as it fits, the
    points and the hidden tests' count. Nothing scrolls off the top."""
    paint = terminal.painter(colour)
    head = [paint(terminal.clip(f"Assignment {a.number}: {a.title}  ({a.files[0]}, saved {saved})",
                       width), "bold"),
            paint(terminal.clip("watching: save your file to run the visible tests again; Ctrl-C stops",
                       width), "dim"), ""]
    tests = [reports.test_line(r, paint, width) for r in grade.tests]
    score, top = check.visible_score(grade)
    foot = ["", paint(terminal.clip(f"Total: {score:g}/{top:g} (visible tests)", width), "bold")]
    for line in check.footer(a, grade, before, list_hidden=False):
        foot.extend(terminal.clip(part, width) for part in terminal.wrap(line, width))
    # A small terminal: the passing tests become one line, then the footer and the header
    # shrink, then the list is cut; the feedback gets what is left.
    lines_left = height - 1
    if len(head) + len(tests) + len(foot) > lines_left:
        passed = sum(r.passed for r in grade.tests)
        tests = [line for line, r in zip(tests, grade.tests) if not r.passed]
        if passed:
            tests.append(paint("PASS ", "PASS") + terminal.clip(f" {passed} other tests pass", width - 5))
    if len(head) + len(tests) + len(foot) > lines_left:
        foot = foot[:2]
    if len(head) + len(tests) + len(foot) > lines_left:
        head = head[:1]
    if len(head) + len(tests) + len(foot) > lines_left:
        keep = max(lines_left - len(head) - len(foot) - 1, 0)
        tests = tests[:keep] + [terminal.clip(f"... and {len(tests) - keep} more tests", width)]
    room = lines_left - len(head) - len(tests) - len(foot)
    details: list[str] = []
    for r in grade.tests:
        if r.passed:
            continue
        label = reports.STATUS_LABEL.get(r.status, "FAIL")
        block = [""] + [paint(part, "bold")                 # the name whole, not cut
                        for part in terminal.wrap(f"{label}: {r.info.name}", width)]
        for line in reports.test_body(r):
            block.extend(reports.paint_line(terminal.clip(part, width), paint)
                         for part in terminal.wrap("  " + line, width))
        details.extend(block)
    if len(details) > room:
        cut = max(room - 1, 0)
        hidden = len(details) - cut
        more = terminal.clip(f"  ... {hidden} more lines: `make check ASSIGNMENT={a.number}` shows "
                    f"everything", width)
        details = details[:cut] + [paint(more, "dim")] if room > 0 else []
    return "\n".join(head + tests + details + foot)


class Watcher:
    def __init__(self, a, path: Path | None, out=sys.stdout, poll: float = POLL,
                 budget: float | None = None):
        self.a = a
        self.path = path
        self.file = check.working_file(a) if path is None else (
            path if path.is_file() else path / a.files[0])
        self.out = out
        self.poll = poll
        self.budget = budget
        self.tty = terminal.is_terminal(out)
        self.colour = terminal.use_colour(out)
        self.runs = 0
        self.last: tuple | None = None     # (grade, saved, before) of the last finished run
        self.resized = False

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _begin(self, saved: str) -> None:
        self.runs += 1
        if self.tty:
            self._write(CLEAR)
        else:
            self._write(f"\n===== run {self.runs}: {self.file.name} saved {saved} =====\n")
        self._write(f"Assignment {self.a.number}: {self.a.title}  ({self.file.name}, "
                    f"saved {saved})\nrunning the visible tests...\n\n")

    def _live(self, names: dict):
        paint = terminal.painter(self.colour)
        width = _size(self.out)[0]

        line = terminal.StatusLine(self.out)

        def on_event(event: dict) -> None:
            kind = event.get("event")
            if kind == "start":
                line.show(f"  running: {names.get(event.get('nodeid'), '')}")
            elif kind == "result":
                label = {"passed": "PASS"}.get(event.get("outcome"), "FAIL")
                text = terminal.clip(f"{label.ljust(5)} {names.get(event.get('nodeid'), '')}", width)
                line.above(paint(label.ljust(5), label) + text[5:])
        return on_event

    def _show(self) -> None:
        grade, saved, before = self.last
        width, height = _size(self.out)
        text = screen(self.a, grade, width=width, height=height, colour=self.colour,
                      saved=saved, before=before)
        self._write((CLEAR if self.tty else "\n") + text + "\n")

    def run_once(self, changed: threading.Event) -> bool:
        """Grade the file once. False when a save interrupted the run."""
        saved = time.strftime("%H:%M:%S", time.localtime(
            self.file.stat().st_mtime)) if self.file.exists() else "missing"
        self._begin(saved)
        tests = runner.expected_tests(self.a, "visible")
        names = {t.nodeid: t.name for t in tests}
        try:
            grade = shards.grade_interruptibly(self.a, self.path, visibility="visible",
                                                durations=progress.get(self.a.slug).get("durations") or {},
                                                budget=self.budget,
                                                progress_cb=self._live(names), cancel=changed)
        except SubmissionError as exc:
            self._write(f"\n{exc}\nSave the file to try again.\n")
            return True
        if grade is None:
            return False
        before = check.record(self.a, self.path, grade)
        self.last = (grade, saved, before)
        self._show()
        return True

    def loop(self, max_runs: int | None = None) -> None:
        seen = None
        old_winch = None
        if self.tty and hasattr(signal, "SIGWINCH"):
            old_winch = signal.signal(signal.SIGWINCH, lambda *_: setattr(self, "resized", True))
        try:
            while max_runs is None or self.runs < max_runs:
                now = signature(self.file)
                if now != seen:
                    seen = now
                    changed = threading.Event()
                    stop = threading.Event()

                    def look(start=now, stop=stop, changed=changed):
                        while not stop.wait(self.poll):
                            if signature(self.file) != start:
                                changed.set()
                                return
                    spy = threading.Thread(target=look, daemon=True, name="ck-watch-file")
                    spy.start()
                    try:
                        self.run_once(changed)
                    finally:
                        stop.set()
                        spy.join()
                    continue
                if self.resized and self.last:
                    self.resized = False
                    self._show()
                time.sleep(self.poll)
        finally:
            if old_winch is not None:
                signal.signal(signal.SIGWINCH, old_winch)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder watch",
                                description="run the visible tests again on every save")
    p.add_argument("assignment", help="assignment number or slug")
    p.add_argument("path", nargs="?", default=None,
                   help="the file or folder to watch (default: the assignment's working copy)")
    p.add_argument("--runs", type=int, default=None, help=argparse.SUPPRESS)  # tests
    args = p.parse_args(argv)
    try:
        a = manifest.get(args.assignment)
    except (manifest.ManifestError, manifest.UnknownAssignment) as exc:
        return console.fail(str(exc))
    path = Path(args.path) if args.path else None
    if path is not None and not path.exists():
        print(f"error: no such file or folder: {path}", file=sys.stderr)
        return 2
    watcher = Watcher(a, path)
    with own_terminal():
        try:
            watcher.loop(max_runs=args.runs)
        except KeyboardInterrupt:
            sys.stdout.write(terminal.ERASE_LINE if watcher.tty else "")
            print(f"stopped watching {watcher.file.name}"
                  + (f" after {watcher.runs} run{'s' * (watcher.runs != 1)}." if watcher.runs else "."))
    return 0
