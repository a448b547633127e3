"""Are the verdicts stable on a busy 2-core machine? A script, not a test.

    make stability                          (or: .venv/bin/python bench/stability.py)
    .venv/bin/python bench/stability.py --runs 50 --assignments 2 3 --load python

Grades each assignment's reference and its sequential variants (tests/broken/<slug>/
*sequential*.py, single_worker.py, one_worker.py) --runs times, round-robin, while one core is kept busy
(`stress-ng --cpu 1` when it is installed or installable, else a Python busy loop), and
prints for each subject how many verdicts changed from run to run and how many runs
disagreed with what the subject must get (full marks for a reference; exactly the tests
its docstring's `Fails:` names for a variant). The goal is zero in both columns.
Exit status 1 when any verdict changed or disagreed.
"""
from __future__ import annotations

import argparse
import collections
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import manifest, paths, runner  # noqa: E402
from autograder.instructor.readtests import declared_failures  # noqa: E402

BROKEN = paths.BROKEN
PATTERNS = ("*sequential*.py", "single_worker.py", "one_worker.py")


def start_load(kind: str) -> tuple[subprocess.Popen | None, str]:
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


def stop_load(proc: subprocess.Popen | None) -> None:
    """Stop what start_load started: its whole session (stress-ng and its workers)."""
    if proc is None or proc.poll() is not None:
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


def subjects(assignment, patterns) -> list[tuple[str, Path, set[str] | None]]:
    """(label, path, tests it must fail or None for 'full marks')."""
    out = [("reference", assignment.reference_dir, None)]
    seen = set()
    for pattern in patterns:
        for path in sorted((BROKEN / assignment.slug).glob(pattern)):
            if path not in seen:
                seen.add(path)
                out.append((path.stem, path, declared_failures(path) or set()))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--assignments", type=int, nargs="*", help="numbers (default: all)")
    ap.add_argument("--load", choices=("auto", "stress-ng", "python", "none"), default="auto")
    ap.add_argument("--variants", nargs="*", default=list(PATTERNS),
                    help=f"globs under tests/broken/<slug>/ (default: {' '.join(PATTERNS)})")
    opts = ap.parse_args()

    chosen = [a for a in manifest.load() if not opts.assignments or a.number in opts.assignments]
    plan = [(a, label, path, fails) for a in chosen for label, path, fails in subjects(a, opts.variants)]
    load, what = start_load(opts.load)
    time.sleep(1.0)  # let the load's own workers start before the first grading
    print(f"{len(plan)} subjects x {opts.runs} runs, load: {what}, {os.cpu_count()} CPU(s)\n",
          flush=True)
    verdicts: dict[int, dict[str, list[bool]]] = collections.defaultdict(
        lambda: collections.defaultdict(list))
    scores: dict[int, list[float]] = collections.defaultdict(list)
    disagreed: collections.Counter = collections.Counter()
    started = time.monotonic()
    try:
        for run in range(opts.runs):
            for i, (a, label, path, fails) in enumerate(plan):
                grade = runner.grade(a, path)
                scores[i].append(grade.score)
                failed = set()
                for r in grade.tests:
                    name = r.info.nodeid.split("::")[-1]
                    verdicts[i][name].append(r.passed)
                    if not r.passed:
                        failed.add(name)
                if failed != (fails or set()):
                    disagreed[i] += 1
                    print(f"  run {run + 1}: {a.slug}/{label} disagreed: failed "
                          f"{sorted(failed - (fails or set()))}, passed {sorted((fails or set()) - failed)}",
                          flush=True)
            print(f"run {run + 1}/{opts.runs} done ({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        stop_load(load)

    print(f"\n{'subject':<52} {'runs':>4} {'scores':>13} {'changed':>8} {'disagreed':>9}")
    total_changed = total_disagreed = 0
    for i, (a, label, _, _) in enumerate(plan):
        unstable = [name for name, vs in verdicts[i].items() if len(set(vs)) > 1]
        total_changed += len(unstable)
        total_disagreed += disagreed[i]
        lo, hi = min(scores[i]), max(scores[i])
        print(f"{a.slug + '/' + label:<52} {len(scores[i]):>4} {f'{lo:g}..{hi:g}':>13} "
              f"{len(unstable):>8} {disagreed[i]:>9}")
        for name in unstable:
            print(f"    {name}: passed {sum(verdicts[i][name])} of {len(verdicts[i][name])}")
    print(f"\nverdicts that changed: {total_changed}; runs that disagreed with the expected "
          f"verdicts: {total_disagreed}  (load: {what}; {time.monotonic() - started:.0f} s)")
    return 1 if total_changed or total_disagreed else 0


if __name__ == "__main__":
    sys.exit(main())
