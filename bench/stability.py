"""Are the verdicts stable on a busy 2-core machine? A script, not a test.

    make stability                          (or: .venv/bin/python bench/stability.py)
    .venv/bin/python bench/stability.py --runs 50 --assignments 2 3 --load python
    .venv/bin/python bench/stability.py --subjects all --load heavy --runs 20

Grades each subject --runs times, round-robin, under load, and prints for each how many
verdicts changed from run to run, how many runs disagreed with what it must get, and how
many borderline verdicts changed without being flagged. The goal is zero in all three.

Subjects (--subjects): `timing` (default) is each assignment's reference and its sequential
variants (tests/broken/<slug>/*sequential*.py, single_worker.py, one_worker.py); `all` is
every reference, stub, broken variant and design (tests/designs/<slug>/). What each must
get: full marks for a reference; exactly the tests its `Fails:` names for a variant; its
`Scores:` for a design, whose `Borderline:` tests may change only when the pass is flagged
(a borderline pass says so to the instructor); a stub only the same verdicts every time.

Load (--load): `auto` keeps one core busy (`stress-ng --cpu 1` when installable, else a
Python busy loop); `heavy` adds disk I/O (`stress-ng --hdd 1`) and a second grading of
another checkout (a clone of this one, grading its references over and over).
Exit status 1 when any verdict changed, disagreed or went unflagged.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import manifest, paths, runner  # noqa: E402
from autograder.instructor.readtests import (  # noqa: E402
    declared_borderline, declared_failures, function_of, scored_as_declared)

BROKEN = paths.BROKEN
PATTERNS = ("*sequential*.py", "single_worker.py", "one_worker.py")


def start_load(kind: str) -> tuple[list[subprocess.Popen], str]:
    """Start the load; returns its processes and what it is."""
    if kind == "heavy":
        procs, what = start_load("stress-ng")
        procs.append(subprocess.Popen(["stress-ng", "--hdd", "1", "--hdd-bytes", "64M",
                                       "--timeout", "0", "--quiet"], start_new_session=True))
        procs.append(second_checkout())
        return procs, what + " + stress-ng --hdd 1 + another checkout grading alongside"
    proc, what = _one_core(kind)
    return ([proc] if proc else []), what


def second_checkout() -> subprocess.Popen:
    """Another checkout of the kit (a clone of HEAD), grading its references in a loop."""
    root = Path("/work/scratch/stability-neighbour") if Path("/work/scratch").is_dir() \
        else Path(tempfile.gettempdir()) / "ck-stability-neighbour"
    here = Path(__file__).resolve().parent.parent
    if not (root / ".venv" / "bin" / "python").exists():
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(here), str(root)], check=True)
        subprocess.run(["make", "--no-print-directory", "setup"], cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    loop = ("while true; do for n in 1 2 3 4 5 6 7; do .venv/bin/python -m autograder grade $n "
            "--submission reference >/dev/null 2>&1; done; done")
    return subprocess.Popen(["sh", "-c", loop], cwd=root, start_new_session=True)


def _one_core(kind: str) -> tuple[subprocess.Popen | None, str]:
    """Keep one core busy; returns the process and what it is."""
    if kind == "none":
        return None, "no load"
    if kind in ("auto", "stress-ng") and not shutil.which("stress-ng") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "stress-ng"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kind in ("auto", "stress-ng") and shutil.which("stress-ng"):
        return subprocess.Popen(["stress-ng", "--cpu", "1", "--timeout", "0", "--quiet"],
                                start_new_session=True), "stress-ng --cpu 1 --timeout 0"
    if kind == "stress-ng":
        sys.exit("stress-ng is not installed and could not be installed")
    return (subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True),
            "a Python busy loop on one core")


def stop_load(procs: list[subprocess.Popen]) -> None:
    """Stop what start_load started: each one's whole session (stress-ng's workers too)."""
    for proc in procs:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


@dataclasses.dataclass
class Subject:
    assignment: object
    label: str
    path: Path
    kind: str                          # reference, stub, broken, design
    fails: set[str] = dataclasses.field(default_factory=set)

    def problem(self, grade) -> str | None:
        """Why this grading is not what the subject must get (None: it is)."""
        failed = {r.info.nodeid.split("::")[-1] for r in grade.tests if not r.passed}
        if self.kind == "design":
            return scored_as_declared(grade, self.path)
        if self.kind == "stub" or failed == self.fails:
            return None
        return f"failed {sorted(failed - self.fails)}, passed {sorted(self.fails - failed)}"


def subjects(assignment, patterns, everything: bool) -> list[Subject]:
    out = [Subject(assignment, "reference", assignment.reference_dir, "reference")]
    if everything:
        out.append(Subject(assignment, "stub", assignment.folder, "stub"))
        patterns = ("*.py",)
    seen = set()
    for pattern in patterns:
        for path in sorted((BROKEN / assignment.slug).glob(pattern)):
            if path not in seen:
                seen.add(path)
                out.append(Subject(assignment, path.stem, path, "broken",
                                   declared_failures(path) or set()))
    if everything:
        out += [Subject(assignment, f"design {p.stem}", p, "design")
                for p in sorted(assignment.designs_dir.glob("*.py"))]
    return out


def _unflagged(subject: Subject, grade) -> list[str]:
    """A design's borderline tests that passed without a flag: a silent coin toss."""
    if subject.kind != "design":
        return []
    loose = declared_borderline(subject.path)
    return [r.info.nodeid.split("::")[-1] for r in grade.tests
            if function_of(r.info.nodeid) in loose and r.passed and not r.flags]


def _empty() -> dict:
    return {"verdicts": collections.defaultdict(lambda: collections.defaultdict(list)),
            "flagged": collections.defaultdict(set), "scores": collections.defaultdict(list),
            "disagreed": collections.Counter(), "unflagged": collections.defaultdict(set)}


def sweep(plan: list[Subject], runs: int, seen: dict) -> None:
    """Grade every subject `runs` times, round-robin, into `seen` (kept when interrupted)."""
    started = time.monotonic()
    for run in range(runs):
        for i, subject in enumerate(plan):
            grade = runner.grade(subject.assignment, subject.path)
            seen["scores"][i].append(grade.score)
            for r in grade.tests:
                name = r.info.nodeid.split("::")[-1]
                seen["verdicts"][i][name].append(r.passed)
                if r.flags:
                    seen["flagged"][i].add(name)
            seen["unflagged"][i].update(_unflagged(subject, grade))
            problem = subject.problem(grade)
            if problem:
                seen["disagreed"][i] += 1
                print(f"  run {run + 1}: {subject.assignment.slug}/{subject.label} disagreed: "
                      f"{problem}", flush=True)
        print(f"run {run + 1}/{runs} done ({time.monotonic() - started:.0f} s)", flush=True)


def report(plan: list[Subject], seen: dict) -> tuple[int, int, int]:
    print(f"\n{'subject':<58} {'runs':>4} {'scores':>11} {'changed':>7} {'disagreed':>9} "
          f"{'flagged':>7}")
    totals = [0, 0, 0]
    for i, subject in enumerate(plan):
        verdicts = seen["verdicts"][i]
        loose = declared_borderline(subject.path) if subject.kind == "design" else set()
        changed = [n for n, vs in verdicts.items() if len(set(vs)) > 1]
        # A declared-borderline test that changed is fine when flagged; anything else is not.
        bad = [n for n in changed if n.split("[")[0] not in loose or n in seen["unflagged"][i]]
        totals[0] += len(bad)
        totals[1] += seen["disagreed"][i]
        totals[2] += len(seen["unflagged"][i] & set(changed))
        scores = seen["scores"][i]
        if not scores:
            continue
        print(f"{subject.assignment.slug + '/' + subject.label:<58} {len(scores):>4} "
              f"{f'{min(scores):g}..{max(scores):g}':>11} {len(bad):>7} "
              f"{seen['disagreed'][i]:>9} {len(seen['flagged'][i]):>7}")
        for name in changed:
            why = "" if name in bad else " (declared borderline, flagged)"
            print(f"    {name}: passed {sum(verdicts[name])} of {len(verdicts[name])}{why}")
    return totals[0], totals[1], totals[2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--assignments", type=int, nargs="*", help="numbers (default: all)")
    ap.add_argument("--load", choices=("auto", "stress-ng", "python", "heavy", "none"),
                    default="auto")
    ap.add_argument("--subjects", choices=("timing", "all"), default="timing")
    ap.add_argument("--variants", nargs="*", default=list(PATTERNS),
                    help=f"globs under tests/broken/<slug>/ with --subjects timing "
                         f"(default: {' '.join(PATTERNS)})")
    opts = ap.parse_args()

    chosen = [a for a in manifest.load() if not opts.assignments or a.number in opts.assignments]
    plan = [s for a in chosen for s in subjects(a, opts.variants, opts.subjects == "all")]
    load, what = start_load(opts.load)
    time.sleep(1.0)  # let the load's own workers start before the first grading
    print(f"{len(plan)} subjects x {opts.runs} runs, load: {what}, {os.cpu_count()} CPU(s)\n",
          flush=True)
    started = time.monotonic()
    signal.signal(signal.SIGTERM, signal.default_int_handler)   # a killed sweep reports too
    seen = _empty()
    try:
        sweep(plan, opts.runs, seen)
    except KeyboardInterrupt:
        print("\ninterrupted: the runs so far", flush=True)
    finally:
        stop_load(load)
    changed, disagreed, unflagged = report(plan, seen)
    print(f"\nverdicts that changed: {changed}; runs that disagreed with the expected "
          f"verdicts: {disagreed}; borderline changes not flagged: {unflagged}  "
          f"(load: {what}; {time.monotonic() - started:.0f} s)")
    return 1 if changed or disagreed or unflagged else 0


if __name__ == "__main__":
    sys.exit(main())
