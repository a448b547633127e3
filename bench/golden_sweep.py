"""Is the golden feedback stable on a noisy 2-core machine? A script, not a test.

    .venv/bin/python bench/golden_sweep.py                      3 runs, the last one loaded
    .venv/bin/python bench/golden_sweep.py --runs 5 --loaded 2 --assignments 1 6
    .venv/bin/python bench/golden_sweep.py --record             + bench/results/golden-sweep-<date>.txt

Grades every broken variant (tests/broken/<slug>/*.py) and every stub --runs times,
--jobs gradings at a time (the timed tests still run alone: machine_lock), the last
--loaded runs while `stress-ng --cpu 1 --timeout 0` keeps a core busy (a Python busy
loop when stress-ng is missing; killed at the end, whatever happens). Every grading's
golden text (tests/golden/__init__.py: render) is compared with its file under
tests/golden/, and its failing tests with what the variant's docstring names under
"Fails:". Prints one line per mismatch (with the diff) and a summary; the goal is zero
mismatches. Exit status 1 when any.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime
import json
import os
import platform
import signal
import sys
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))
sys.path.insert(0, str(KIT / "tests"))
from autograder import manifest, paths, runner  # noqa: E402
from golden import label_of, mismatch  # noqa: E402

from stability import declared_failures, start_load, stop_load  # noqa: E402  (bench/stability.py)

BROKEN = paths.BROKEN


def subjects(numbers: list[int] | None):
    out = []
    for a in manifest.load():
        if numbers and a.number not in numbers:
            continue
        out.append((a, a.folder, None))
        for path in sorted((BROKEN / a.slug).glob("*.py")):
            out.append((a, path, declared_failures(path)))
    return out


def grade_one(subject):
    a, path, fails = subject
    grade = runner.grade(a, path)
    problems = []
    diff = mismatch(grade, a, path)
    if diff:
        problems.append(("golden", diff))
    if fails is not None:
        failed = {r.info.nodeid.split("::")[-1] for r in grade.tests if not r.passed}
        if failed != fails:
            problems.append(("verdict", f"failed {sorted(failed)}, must fail {sorted(fails)}"))
    raw = {"subject": f"{a.slug}/{label_of(a, path)}",
           "tests": [{"nodeid": r.info.nodeid, "status": r.status, "points": r.max_score,
                      "message": r.message, "notes": r.notes}
                     for r in grade.tests if not r.passed]}
    return subject, problems, raw


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--loaded", type=int, default=1, help="how many of the runs (the last "
                    "ones) run with one core kept busy")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--assignments", type=int, nargs="*")
    ap.add_argument("--raw", metavar="FILE", help="also write every failing test's raw "
                    "message and notes (JSON lines, one grading a line): a change of the "
                    "normaliser can then be checked against them without grading again")
    ap.add_argument("--record", action="store_true",
                    help="also write bench/results/golden-sweep-<date>.txt")
    opts = ap.parse_args()
    if os.environ.get("CK_UPDATE_GOLDEN"):
        sys.exit("unset CK_UPDATE_GOLDEN: the sweep compares, it never writes golden files")

    # SIGTERM (a kill of this script) ends it through `finally`, so the load is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    plan = subjects(opts.assignments)
    lines = [f"golden sweep: {len(plan)} subjects (broken variants and stubs) x {opts.runs} runs, "
             f"{opts.jobs} gradings at a time, the last {opts.loaded} run(s) with one core busy",
             f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
             f"{datetime.datetime.now():%Y-%m-%d %H:%M}"]
    print("\n".join(lines), flush=True)
    totals = {"golden": 0, "verdict": 0}
    per_run = []
    load = None
    started = time.monotonic()
    try:
        for run in range(1, opts.runs + 1):
            loaded = run > opts.runs - opts.loaded
            what = "no load"
            if loaded and load is None:
                load, what = start_load("auto")
            elif loaded:
                what = "load still on"
            t0 = time.monotonic()
            bad = {"golden": 0, "verdict": 0}
            with cf.ThreadPoolExecutor(opts.jobs) as pool:
                for (a, path, _), problems, raw in pool.map(grade_one, plan):
                    name = f"{a.slug}/{label_of(a, path)}"
                    if opts.raw:
                        with open(opts.raw, "a") as out:
                            out.write(json.dumps(dict(raw, run=run)) + "\n")
                    for kind, text in problems:
                        bad[kind] += 1
                        print(f"run {run}: {kind} MISMATCH {name}\n{text}", flush=True)
            took = time.monotonic() - t0
            row = (f"run {run} ({'one core busy: ' + what if loaded else 'no load'}): "
                   f"{len(plan)} gradings in {took:.0f} s, golden mismatches {bad['golden']}, "
                   f"verdict mismatches {bad['verdict']}")
            print(row, flush=True)
            per_run.append(row)
            for k in totals:
                totals[k] += bad[k]
    finally:
        stop_load(load)
    summary = (f"total: {len(plan) * opts.runs} gradings in {time.monotonic() - started:.0f} s; "
               f"golden mismatches {totals['golden']}, verdict mismatches {totals['verdict']}")
    print(summary)
    if opts.record:
        out = KIT / "bench" / "results" / f"golden-sweep-{datetime.date.today()}.txt"
        out.write_text("\n".join(lines + per_run + [summary]) + "\n")
        print(f"recorded in {out.relative_to(KIT)}")
    return 1 if any(totals.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
