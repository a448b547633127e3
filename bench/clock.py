"""Where a grading's time goes, test by test. A script, not a test.

    .venv/bin/python bench/clock.py RECORD.jsonl [--subjects all|references]

RECORD is a `bench/stability.py --record` file: each grading there keeps, for every
test, how long it ran, how long it queued for the machine lock and whether it is timed
(`Clock`, fed by the grader's progress events). This prints, per assignment, a grading's
median seconds split into the worker's start, timed tests (which have the machine to
themselves, so they add up across every grading on it), untimed tests and the rest
(collecting, the jail, the ends of the rounds), and the sum of one grading of each
subject: the floor under a `make test` that grades each once (tests/test_kit.py,
tests/test_designs.py) is about the timed sum, since nothing runs beside a timed test.
Under a sweep's load every number is inflated; the split is what to read.
"""
from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import time
from pathlib import Path

WORKER = "(worker start)"


class Clock:
    """Each test's seconds as the grader saw them (its progress events): how long it ran,
    how long it queued for the machine, and whether it is timed (holds the machine alone);
    WORKER is the worker's start up to its first test. Decides nothing."""

    def __init__(self) -> None:
        self.tests: dict[str, list] = {}
        self._began: dict[str, float] = {}

    def __call__(self, event: dict) -> None:
        kind = event.get("event")
        name = str(event.get("nodeid", "")).split("::")[-1]
        if kind == "worker-start":
            self._began[WORKER] = time.monotonic()
            self.tests[WORKER] = [0.0, _seconds(event.get("waited")), False]
        elif kind == "queued":
            if WORKER in self._began:
                self.tests[WORKER][0] = round(time.monotonic() - self._began.pop(WORKER), 2)
            self.tests[name] = [0.0, 0.0, bool(event.get("timing"))]
        elif kind == "start" and name in self.tests:
            self._began[name] = time.monotonic()
            self.tests[name][1] = _seconds(event.get("waited"))
        elif kind in ("result", "hung") and name in self._began:
            self.tests[name][0] = round(time.monotonic() - self._began.pop(name), 2)


def _seconds(value) -> float:
    try:
        return round(float(value or 0.0), 2)
    except (TypeError, ValueError):
        return 0.0


def split(rec: dict) -> dict[str, float]:
    """One grading's seconds: total, worker start, timed, untimed, queued, the rest."""
    clock = rec.get("clock") or {}
    worker = clock.get(WORKER, [0.0, 0.0, False])
    tests = [v for k, v in clock.items() if k != WORKER]
    timed = sum(v[0] for v in tests if v[2])
    untimed = sum(v[0] for v in tests if not v[2])
    queued = worker[1] + sum(v[1] for v in tests)
    total = rec["seconds"]
    return {"total": total, "worker": worker[0], "timed": timed, "untimed": untimed,
            "queued": queued, "rest": max(0.0, total - worker[0] - timed - untimed - queued)}


COLUMNS = ("total", "worker", "timed", "untimed", "queued", "rest")


def summary(records: list[dict], only_references: bool = False) -> list[str]:
    by_assignment: dict[str, dict[str, list[dict]]] = collections.defaultdict(
        lambda: collections.defaultdict(list))
    for rec in records:
        if not rec.get("clock"):
            continue
        slug, name = rec["subject"].split("/", 1)
        if only_references and name != "reference":
            continue
        by_assignment[slug][name].append(split(rec))
    lines = [f"{'assignment':30} {'subjects':>8} " + " ".join(f"{c:>8}" for c in COLUMNS)
             + "   (median seconds of a grading)"]
    sums = collections.Counter()
    for slug in sorted(by_assignment):
        per_subject = {name: {c: statistics.median(s[c] for s in splits) for c in COLUMNS}
                       for name, splits in by_assignment[slug].items()}
        med = {c: statistics.median(p[c] for p in per_subject.values()) for c in COLUMNS}
        for p in per_subject.values():
            sums.update(p)
        lines.append(f"{slug:30} {len(per_subject):>8} "
                     + " ".join(f"{med[c]:8.1f}" for c in COLUMNS))
    subjects = sum(len(v) for v in by_assignment.values())
    lines.append(f"{'one grading of each, summed':30} {subjects:>8} "
                 + " ".join(f"{sums[c]:8.0f}" for c in COLUMNS))
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("record", type=Path)
    ap.add_argument("--subjects", choices=("all", "references"), default="all")
    opts = ap.parse_args()
    records = [json.loads(line) for line in opts.record.read_text().splitlines() if line]
    if not any(rec.get("clock") for rec in records):
        print(f"{opts.record}: no grading with a clock (recorded before bench/clock.py)")
        return 1
    print("\n".join(summary(records, only_references=opts.subjects == "references")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
