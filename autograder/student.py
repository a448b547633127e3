"""The student's loop: check, hint, status, reset (watch.py reruns check on every save).

    check(N)    the visible tests, the grader's own points and messages, then the points so
                far and the hidden tests that exist (how many, one line each, never content)
    hint(N)     the next hint of hints.md, with where to read in the lesson
    status()    every assignment: best visible score, last check, hints read, file state
    reset(N)    the student's file back to the stub; the old one kept in saved/

The student's file is the working copy `assignments/<slug>/<file>`. What it scored is
kept by progress.py. The pristine stubs come from the student release
(`.concurrency-kit/stubs/`, written by release.py) or, in the kit's own git checkout, from
the last commit.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

from . import KIT_ROOT, hints, manifest, progress, reports, runner
from .manifest import Assignment
from .scoring import Grade

RELEASE_MARK = KIT_ROOT / ".concurrency-kit" / "release.json"
STUBS = KIT_ROOT / ".concurrency-kit" / "stubs"
HIDDEN_SUMMARY = "hidden_tests.json"     # in a release's assignments/<slug>/tests/
SAVED = KIT_ROOT / "saved"


def release() -> dict | None:
    """The release's description when this is a student release, else None."""
    try:
        return json.loads(RELEASE_MARK.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def working_file(a: Assignment) -> Path:
    return a.folder / a.files[0]


def is_working_copy(a: Assignment, path: str | os.PathLike | None) -> bool:
    if path is None:
        return True
    try:
        p = Path(path).resolve()
    except OSError:
        return False
    return p in (a.folder.resolve(), working_file(a).resolve())


# --------------------------------------------------------------------------- hidden tests

@dataclasses.dataclass(frozen=True)
class HiddenGroup:
    about: str           # one line: what the tests cover (their docstring's first line)
    tests: int
    points: float


def hidden_tests(a: Assignment) -> list[HiddenGroup]:
    """The hidden tests that exist, grouped by what they cover. In the kit they are
    collected (no student code runs); a student release carries only this summary."""
    summary = a.tests_dir / HIDDEN_SUMMARY
    if not (a.tests_dir / "test_hidden.py").exists():
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
            return [HiddenGroup(str(g["about"]), int(g["tests"]), float(g["points"]))
                    for g in data]
        except (OSError, ValueError, KeyError, TypeError):
            return []
    groups: dict[str, list[float]] = {}
    for t in runner.expected_tests(a, "all"):
        if t.visibility != "visible":
            groups.setdefault(t.doc or t.name, []).append(t.points)
    return [HiddenGroup(about, len(pts), sum(pts)) for about, pts in groups.items()]


def hidden_summary_json(a: Assignment) -> str:
    return json.dumps([dataclasses.asdict(g) for g in hidden_tests(a)], indent=1) + "\n"


# --------------------------------------------------------------------------- check

def visible_score(grade: Grade) -> tuple[float, float]:
    vis = [t for t in grade.tests if t.info.visibility == "visible"]
    return sum(t.score for t in vis), sum(t.max_score for t in vis)


def _ago(stamp: str | None) -> str:
    if not stamp:
        return "never"
    try:
        then = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        return stamp
    secs = (_dt.datetime.now(_dt.timezone.utc) - then).total_seconds()
    if secs < 90:
        return "just now"
    if secs < 90 * 60:
        return f"{secs / 60:.0f} min ago"
    if secs < 36 * 3600:
        return f"{secs / 3600:.0f} h ago"
    return f"{secs / 86400:.0f} days ago"


def footer(a: Assignment, grade: Grade, before: dict | None, *,
           list_hidden: bool = True) -> list[str]:
    """What ends a check: points so far, the hidden tests (one line each unless
    `list_hidden` is False: `make watch` has one screen), what to do next."""
    score, top = visible_score(grade)
    lines = [f"Points so far: {reports.pts(score)} of the {reports.pts(top)} the visible tests give "
             f"(the assignment is worth {reports.pts(a.points)} with the hidden tests)."]
    if before and before.get("best") is not None and before.get("max") == top:
        best = float(before["best"])
        if best > score:
            lines.append(f"Your best so far: {reports.pts(best)}/{reports.pts(top)} ({_ago(before.get('best_at'))}); "
                         f"this version scores less.")
        elif before.get("last") is not None and score > float(before["last"]):
            lines.append(f"Up from {reports.pts(float(before['last']))}/{reports.pts(top)} at your last check.")
    hidden = hidden_tests(a)
    if hidden:
        n, pts = sum(g.tests for g in hidden), sum(g.points for g in hidden)
        when = ("when your instructor grades" if release() else
                "by `make grade` and when your instructor grades")
        lines.append(f"Hidden tests: {n} more test{'s' * (n != 1)} worth {reports.pts(pts)} points, "
                     f"run {when}." + (" They cover:" if list_hidden else ""))
        for g in hidden if list_hidden else ():
            many = f" ({g.tests} tests)" if g.tests > 1 else ""
            unit = "pt " if g.points == 1 else "pts"
            lines.append(f"  {reports.pts(g.points):>3} {unit}  {g.about}{many}")
    failing = [t for t in grade.tests if not t.passed]
    if failing:
        shown, total = progress.hints_shown(a.slug), _hint_count(a)
        nxt = (f"`make hint ASSIGNMENT={a.number}` (hint {min(shown + 1, total)} of {total})"
               if total else "")
        lines.append(f"Next: the first FAIL above{'; stuck? ' + nxt if nxt else ''}.")
    elif hidden:
        lines.append("Every visible test passes. The hidden tests try other inputs and sizes: "
                     "re-read the contract in the README for cases you have not tried.")
    return lines


def _hint_count(a: Assignment) -> int:
    try:
        return len(hints.load(a.folder))
    except hints.HintsError:
        return 0


class Ticker:
    """One line on a terminal that says which test runs now; erased when done."""

    def __init__(self, tests: list, stream=None):
        self.names = {t.nodeid: t.name for t in tests}
        self.total = len(tests)
        self.done = 0
        self.stream = stream or sys.stderr
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, event: dict) -> None:
        if not self.live:
            return
        if event.get("event") == "result":
            self.done += 1
        if event.get("event") == "start":
            name = self.names.get(event.get("nodeid"), "")
            width = shutil.get_terminal_size().columns
            text = f"running test {self.done + 1}/{self.total}: {name}"
            self.stream.write("\r\033[K" + text[:max(width - 1, 10)])
            self.stream.flush()

    def clear(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


def shards_for(visibility: str) -> int:
    """How many gradings `make check` splits its tests into: two on a machine with two
    CPUs or more (the visible tests mostly wait: deadlines, slow producers), one
    otherwise and for `make grade`, which grades as the instructor does. CK_CHECK_SHARDS
    overrides. Timed tests still take the machine alone (machine_lock.py)."""
    if visibility != "visible":
        return 1
    try:
        return max(1, int(os.environ["CK_CHECK_SHARDS"]))
    except (KeyError, ValueError):
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return 2 if (cpus or 1) >= 2 else 1


def split(tests: list, shards: int, durations: dict[str, float]) -> list[list[str]]:
    """Nodeids in `shards` groups of about equal time (the last check's durations; 1 s
    for a test not seen yet), longest first; each group keeps the tests' order."""
    groups: list[list[str]] = [[] for _ in range(max(1, shards))]
    load = [0.0] * len(groups)
    for t in sorted(tests, key=lambda t: -durations.get(t.nodeid, 1.0)):
        k = load.index(min(load))
        groups[k].append(t.nodeid)
        load[k] += durations.get(t.nodeid, 1.0)
    order = {t.nodeid: i for i, t in enumerate(tests)}
    return [sorted(g, key=order.__getitem__) for g in groups if g]


def merge(parts: list[Grade], expected: list) -> Grade:
    """One Grade of the parts' tests, in the order of `expected`."""
    by_id = {r.info.nodeid: r for g in parts for r in g.tests}
    notes: list[str] = []
    for g in parts:
        notes += [n for n in g.notes if n not in notes]
    first = parts[0]
    return Grade(assignment=first.assignment, title=first.title,
                 tests=[by_id[t.nodeid] for t in expected if t.nodeid in by_id], notes=notes,
                 duration=max(g.duration for g in parts), visibility=first.visibility,
                 waited=max(g.waited for g in parts), sandbox=first.sandbox)


def _grade_parts(a: Assignment, path, *, visibility, budget, progress_cb, cancel,
                 python=None) -> Grade:
    shards = shards_for(visibility)
    if shards == 1:
        return runner.grade(a, path, visibility=visibility, budget=budget, cancel=cancel,
                            progress=progress_cb, python=python)
    expected = runner.expected_tests(a, visibility)
    groups = split(expected, shards, progress.get(a.slug).get("durations") or {})
    if len(groups) == 1:
        return runner.grade(a, path, visibility=visibility, budget=budget, cancel=cancel,
                            progress=progress_cb, python=python)
    results: list = [None] * len(groups)

    def one(k: int) -> None:
        try:
            results[k] = runner.grade(a, path, visibility=visibility, budget=budget,
                                      cancel=cancel, progress=progress_cb, only=groups[k],
                                      python=python)
        except BaseException as exc:
            results[k] = exc
            cancel.set()          # the other part stops too: one error is the answer
    workers = [threading.Thread(target=one, args=(k,), name=f"ck-check-{k}", daemon=True)
               for k in range(len(groups))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return merge(results, expected)


def grade_interruptibly(a: Assignment, path, *, visibility: str,
                        budget: float | None = None,
                        progress_cb: Callable[[dict], None] | None = None,
                        cancel: threading.Event | None = None,
                        python=None) -> Grade | None:
    """Grade in a thread, so Ctrl-C (or `cancel`) kills the tests' process tree instead
    of leaving it running. Returns None when interrupted. `make check` splits its tests
    into two gradings run at once (shards_for)."""
    cancel = cancel or threading.Event()
    box: dict = {}

    def work():
        try:
            box["grade"] = _grade_parts(a, path, visibility=visibility, budget=budget,
                                        progress_cb=progress_cb, cancel=cancel, python=python)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
    worker = threading.Thread(target=work, name="ck-grading", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        cancel.set()
        worker.join()
        raise
    if cancel.is_set() and "error" not in box:
        return None
    if "error" in box:
        raise box["error"]
    return box["grade"]


def record(a: Assignment, path, grade: Grade) -> dict:
    """Keep the visible score of a grading of the working copy; the entry before it."""
    if not is_working_copy(a, path):
        return {}                 # another file: the student's own history says nothing of it
    if not grade.complete:
        return progress.get(a.slug)
    score, top = visible_score(grade)
    durations = {r.info.nodeid: round(r.duration or a.test_timeout, 2) for r in grade.tests}
    return progress.record_check(a.slug, score, top, progress.sha(working_file(a)),
                                 durations=durations)


# --------------------------------------------------------------------------- hint

def hint(a: Assignment, which: int | None = None) -> str:
    """The next hint (or hint `which`), and where the lesson says it."""
    all_hints = hints.load(a.folder)
    shown = progress.hints_shown(a.slug)
    n = which if which is not None else min(shown + 1, len(all_hints))
    if not 1 <= n <= len(all_hints):
        raise hints.HintsError(f"assignment {a.number} has hints 1 to {len(all_hints)}, not {n}")
    if which is not None and n > shown + 1:
        raise hints.HintsError(f"hint {n} comes after hint {shown + 1}: read them in order "
                               f"(`make hint ASSIGNMENT={a.number}`)")
    h = all_hints[n - 1]
    progress.set_hints_shown(a.slug, n)
    out = [f"Hint {n} of {len(all_hints)} for assignment {a.number} ({a.title}): {h.title}", ""]
    body = h.body
    cite = hints._citation_text(body)
    if cite is not None:          # the citation is said below, with its lines
        body = body[len(cite) + 9:].lstrip(".* \n")
    out += body.splitlines()
    cites = [c for c in h.citations if c.quote] or list(h.citations)
    if cites:
        lesson = os.path.relpath(hints.LESSON, Path.cwd()) if hints.LESSON.exists() else None
        out += ["", f"Read in the lesson ({lesson or 'lesson 7'}):"]
        out += [f"  {hints.where(c)}" for c in cites]
    out.append("")
    if n < len(all_hints):
        out.append(f"Try again before the next one: `make hint ASSIGNMENT={a.number}` "
                   f"shows hint {n + 1}; `make hint ASSIGNMENT={a.number} HINT={n}` shows this one again.")
    else:
        out.append(f"That was the last hint. The assignment's README (the contract) and lesson "
                   f"section(s) {', '.join(sorted({c.section for c in cites})) or a.lesson} "
                   f"are next; `make check ASSIGNMENT={a.number}` says what still fails.")
    return "\n".join(out)


# --------------------------------------------------------------------------- stubs, reset

class ResetError(Exception):
    pass


def stub_text(a: Assignment) -> tuple[bytes, str]:
    """The assignment's pristine stub and where it came from."""
    kept = STUBS / a.slug / a.files[0]
    if kept.is_file():
        return kept.read_bytes(), "the release's copy of the stub"
    rel = working_file(a).relative_to(KIT_ROOT).as_posix()
    try:
        out = subprocess.run(["git", "-C", str(KIT_ROOT), "show", f"HEAD:{rel}"],
                             capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ResetError(f"no pristine copy of the stub: {exc}") from exc
    if out.returncode != 0:
        raise ResetError(f"no pristine copy of the stub ({STUBS / a.slug} is missing and git "
                         f"has no {rel}: {out.stderr.decode(errors='replace').strip()})")
    return out.stdout, "the last commit"


def file_state(a: Assignment) -> str:
    """'stub', 'edited' or 'missing': the working copy against the stub."""
    path = working_file(a)
    if not path.exists():
        return "missing"
    try:
        stub, _ = stub_text(a)
    except ResetError:
        return "?"
    return "stub" if path.read_bytes() == stub else "edited"


def reset(a: Assignment) -> str:
    stub, source = stub_text(a)
    path = working_file(a)
    rel = os.path.relpath(path, Path.cwd())
    if path.exists() and path.read_bytes() == stub:
        return f"{rel} is already the stub: nothing to do."
    lines = []
    if path.exists():
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        keep = SAVED / a.slug / f"{path.stem}-{stamp}{path.suffix}"
        keep.parent.mkdir(parents=True, exist_ok=True)
        n = 2
        while keep.exists():
            keep = keep.with_name(f"{path.stem}-{stamp}-{n}{path.suffix}")
            n += 1
        shutil.copy2(path, keep)
        krel = os.path.relpath(keep, Path.cwd())
        lines += [f"Your file is kept as {krel}",
                  f"  (to get it back: cp {krel} {rel})"]
    tmp = path.with_name(f".{path.name}.reset")
    tmp.write_bytes(stub)
    os.replace(tmp, path)
    lines.insert(0, f"{rel} is the stub again ({source}).")
    return "\n".join(lines)


# --------------------------------------------------------------------------- status

def status_rows() -> list[dict]:
    rows = []
    for a in manifest.load():
        rec = progress.get(a.slug)
        best = (f"{reports.pts(float(rec['best']))}/{reports.pts(float(rec['max']))}"
                if rec.get("best") is not None else "-")
        last = (f"{reports.pts(float(rec['last']))}/{reports.pts(float(rec['max']))}, {_ago(rec.get('last_at'))}"
                if rec.get("last") is not None else "never")
        n = _hint_count(a)
        rows.append({"#": str(a.number), "assignment": a.title, "best visible": best,
                     "last check": last, "hints read": f"{progress.hints_shown(a.slug)} of {n}",
                     "your file": file_state(a),
                     "done": rec.get("best") is not None and rec.get("best") == rec.get("max")})
    return rows


def status(colour: bool = False) -> str:
    rows = status_rows()
    cols = ["#", "assignment", "best visible", "last check", "hints read", "your file"]
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    paint = reports.painter(colour)
    out = [paint("  ".join(c.ljust(widths[c]) for c in cols).rstrip(), "bold")]
    for r in rows:
        line = "  ".join(r[c].ljust(widths[c]) for c in cols).rstrip()
        out.append(paint(line, "PASS") if r["done"] else line)
    done = sum(r["done"] for r in rows)
    out += ["", f"{done} of {len(rows)} assignments pass every visible test. "
                f"Scores are from `make check` (visible tests only) on your own files."]
    return "\n".join(out)
