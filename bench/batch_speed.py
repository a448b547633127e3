"""How fast is batch grading? A benchmark, not a test: it prints, it never fails.

    make bench-batch            (or: .venv/bin/python bench/batch_speed.py [--n 30] [--jobs 1 2])

Builds a synthetic Moodle download of N submissions of assignment 2 (references, stubs,
every broken variant, a syntax error, an empty folder, zips; tests/flows/lms_download.py),
grades it with `batch.run` for each --jobs value, and prints the wall time, the time per
submission, and the floor the tests themselves impose: tests marked timing run one at a
time on the whole machine (their summed duration is a floor no scheduler can beat), the
untimed ones can share the cores. The aim: batch wall time close to
max(timed floor + untimed / cores, ...), i.e. batch grading costs little more than the
timing work the tests need.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from autograder.instructor import batch  # noqa: E402
from autograder import manifest, runner  # noqa: E402
from autograder.checks.timing import cpu_budget  # noqa: E402
from flows.lms_download import moodle_download  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assignment", type=int, default=2)
    ap.add_argument("--n", type=int, default=30, help="submissions in the download")
    ap.add_argument("--jobs", type=int, nargs="*", default=[batch.default_jobs()],
                    help="gradings at once (several values: one run each)")
    opts = ap.parse_args()
    a = manifest.get(opts.assignment)
    timed = {t.nodeid for t in runner.expected_tests(a) if t.timing}
    print(f"assignment {a.number} ({a.title}), {opts.n} submissions; {cpu_budget().describe()}")
    print(f"{len(timed)} of {len(runner.expected_tests(a))} graded tests are marked timing "
          f"(run alone on the machine)")
    for jobs in opts.jobs:
        with tempfile.TemporaryDirectory(prefix="ck-bench-batch-") as tmp:
            archive, _ = moodle_download(a, Path(tmp), n=opts.n)
            started = time.monotonic()
            result = batch.run(a, archive, Path(tmp) / "out", jobs=jobs, progress=False, fresh=True)
            wall = time.monotonic() - started
        timed_s = sum(t.get("duration", 0.0) for r in result.rows for t in r.tests
                      if t["nodeid"] in timed)
        untimed_s = sum(t.get("duration", 0.0) for r in result.rows for t in r.tests
                        if t["nodeid"] not in timed)
        gradings = sum(r.duration for r in result.rows)
        floor = timed_s + untimed_s / max(1, min(jobs, int(cpu_budget().effective)))
        print(f"\njobs={jobs}: {len(result.rows)} rows in {wall:.1f} s wall, "
              f"{wall / max(1, len(result.rows)):.2f} s per submission")
        print(f"  tests' own time: timed {timed_s:.1f} s (serial), untimed {untimed_s:.1f} s "
              f"(shared) -> floor {floor:.1f} s")
        print(f"  sum of grading durations {gradings:.1f} s (includes pytest start-up and "
              f"waiting for the machine)")
        print(f"  wall / floor = {wall / max(floor, 1e-9):.2f}  (1.00 = nothing but the tests' "
              f"own work)")


if __name__ == "__main__":
    main()
