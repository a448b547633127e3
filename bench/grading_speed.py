"""How fast does the kit grade? A benchmark, not a test: it prints, it never fails.

    make bench                       (or: .venv/bin/python bench/grading_speed.py [-n 3])

For each assignment: wall time of `python -m autograder grade N` on the reference and on
the stub (the stub hangs on purpose: this shows the hang is cut within the budget), and
of `check N` on the reference. Target on a 2-core machine after setup: `make grade` of
every reference under 10 s (each line says whether it met it); a hanging submission cut
within its budget.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from autograder import KIT_ROOT, manifest  # noqa: E402


TARGET = 10.0  # seconds for `make grade` of a reference, after setup


def timed(args: list[str]) -> tuple[float, str]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=KIT_ROOT,
                          capture_output=True, text=True)
    elapsed = time.monotonic() - start
    total = next((ln for ln in proc.stdout.splitlines() if ln.startswith("Total")), f"exit {proc.returncode}")
    return elapsed, total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=3, help="repetitions of each measurement")
    ap.add_argument("--assignments", type=int, nargs="*", help="numbers (default: all)")
    opts = ap.parse_args()
    print(f"{'assignment':<28} {'what':<16} {'median s':>9} {'runs':<24} result")
    for a in manifest.load():
        if opts.assignments and a.number not in opts.assignments:
            continue
        cases = [("grade reference", ["grade", str(a.number), str(a.reference_dir)]),
                 ("check reference", ["check", str(a.number), str(a.reference_dir)]),
                 ("grade stub", ["grade", str(a.number), str(a.folder)])]
        for label, args in cases:
            runs = [timed(args) for _ in range(opts.n if label != "grade stub" else 1)]
            times = [t for t, _ in runs]
            verdict = ""
            if label == "grade reference":
                verdict = "  (target < 10 s: " + ("met" if max(times) < TARGET else "MISSED") + ")"
            print(f"{a.slug:<28} {label:<16} {statistics.median(times):>9.2f} "
                  f"{', '.join(f'{t:.2f}' for t in times):<24} {runs[-1][1]}{verdict}")
        print(f"{'':<28} (budget {a.budget:g} s, per-test timeout {a.test_timeout:g} s)")


if __name__ == "__main__":
    main()
