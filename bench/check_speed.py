"""How long `make check` takes a student, one grading against two at once (not a test).

For every assignment, the stub and the reference are checked with CK_CHECK_SHARDS=1 and
=2, interleaved, --runs times each, through the real command (`python -m autograder
check N PATH`, from process start to exit). Prints the median wall time of each and their
ratio; --record also writes bench/results/check-speed-<date>.txt.

    .venv/bin/python bench/check_speed.py [--runs 2] [--assignments 1,6] [--record]
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from autograder import manifest  # noqa: E402


def timed_check(a, path: Path, shards: int) -> tuple[float, str]:
    env = dict(os.environ, CK_CHECK_SHARDS=str(shards), NO_COLOR="1")
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "autograder", "check", str(a.number), str(path)],
                         cwd=KIT, env=env, capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - started
    total = next((line for line in run.stdout.splitlines() if line.startswith("Total:")), "?")
    return took, total


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--assignments", default="")
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    wanted = {int(x) for x in args.assignments.split(",") if x.strip()}
    lines = [f"make check: one grading against two at once, {args.runs} run(s) each, "
             f"interleaved; {os.cpu_count()} CPUs; {datetime.datetime.now():%Y-%m-%d %H:%M}",
             f"{'assignment':<34}{'subject':<11}{'1 grading':>11}{'2 at once':>11}{'ratio':>8}  total"]
    print("\n".join(lines), flush=True)
    for a in manifest.load():
        if wanted and a.number not in wanted:
            continue
        for subject, path in (("stub", a.folder), ("reference", a.reference_dir)):
            times = {1: [], 2: []}
            totals = set()
            for _ in range(args.runs):
                for shards in (1, 2):
                    took, total = timed_check(a, path, shards)
                    times[shards].append(took)
                    totals.add(total)
            one, two = statistics.median(times[1]), statistics.median(times[2])
            line = (f"{a.slug:<34}{subject:<11}{one:>10.1f}s{two:>10.1f}s{one / two:>7.2f}x  "
                    f"{' / '.join(sorted(totals))}")
            lines.append(line)
            print(line, flush=True)
    if args.record:
        out = KIT / "bench" / "results" / f"check-speed-{datetime.date.today()}.txt"
        out.write_text("\n".join(lines) + "\n")
        print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
