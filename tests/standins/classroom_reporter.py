"""GitHub Classroom's autograding-grading-reporter, its reading and its sums, in Python,
so a test can hand it what the workflow's steps output and see what Classroom records.

Ported from classroom-resources/autograding-grading-reporter (tag v1):
  src/main.js             runners = input "runners" split on ","; for each, the env
                          `${runner.trim().toUpperCase()}_RESULTS`, base64-decoded, JSON.parse;
                          setFailed("Some tests failed.") when a runner's status is "fail",
                          else "Some tests errored." when one is "error"
  src/notify-classroom.js  runners with a falsy max_score are skipped; totalPoints sums
                          tests[].score, maxPoints sums max_score; "Points x/y"
  src/helpers/test-helpers.js  the console's score: passed tests / tests x max_score
Where JavaScript would go on silently with a value the real reporter mishandles (a
string score concatenated, a missing tests list, a line_no printed), this port raises.
"""
from __future__ import annotations

import base64
import dataclasses
import json


class ReporterError(Exception):
    pass


@dataclasses.dataclass
class Report:
    points: str                   # the annotation Classroom records: "Points x/y"
    total: float
    maximum: float
    console: dict[str, float]     # per runner, the console table's score
    failed: str | None            # setFailed's message, or None


def report(env: dict[str, str], runners: str) -> Report:
    results = []
    for runner in runners.split(","):
        encoded = env.get(f"{runner.strip().upper()}_RESULTS")
        if encoded is None:
            raise ReporterError(f"no {runner.strip().upper()}_RESULTS in the reporter's env")
        results.append((runner.strip(), json.loads(base64.b64decode(encoded).decode("utf-8"))))
    total = maximum = 0
    console = {}
    for runner, r in results:
        tests = r.get("tests")
        if not isinstance(tests, list) or not tests:
            raise ReporterError(f"{runner}: tests must be a non-empty list (the reporter "
                                "reduces over it)")
        for t in tests:
            if not isinstance(t.get("score"), (int, float)) or isinstance(t["score"], bool):
                raise ReporterError(f"{runner}: a score that is not a number: {t.get('score')!r}")
            if t.get("line_no") != 0:
                raise ReporterError(f"{runner}: line_no {t.get('line_no')!r} would be printed")
            if t.get("status") not in ("pass", "fail", "error"):
                raise ReporterError(f"{runner}: status {t.get('status')!r}")
        console[runner] = sum(t["status"] == "pass" for t in tests) / len(tests) * (r.get("max_score") or 0)
        if not r.get("max_score"):
            continue
        maximum += r["max_score"]
        total += sum(t["score"] for t in tests)
    failed = ("Some tests failed." if any(r["status"] == "fail" for _, r in results) else
              "Some tests errored." if any(r["status"] == "error" for _, r in results) else None)
    return Report(f"Points {_js(total)}/{_js(maximum)}", total, maximum, console, failed)


def _js(x: float) -> str:
    """A number as JavaScript prints it in a template string (10, not 10.0)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))
