"""From the tests we expected and the events the child sent, to points.

Everything a grading reports is made safe to show here (textsafe.clean): no control or
escape sequence from a submission reaches a terminal, a file or an LMS.

The grader decides, not the child: a test scores its points only if it was expected (we
collected it ourselves) and a "result" event says it passed. Anything else scores 0,
with a reason: failed, hung, crashed the test process, or never ran because the budget
ran out.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

from .textsafe import clean, clean_value


@dataclasses.dataclass
class TestInfo:
    __test__ = False  # not a pytest test class
    nodeid: str
    name: str
    points: float
    visibility: str
    doc: str = ""
    timing: bool = False         # @pytest.mark.timing: runs alone on the machine

    @classmethod
    def from_event(cls, d: dict) -> TestInfo:
        return cls(nodeid=str(d["nodeid"]), name=str(d.get("name") or d["nodeid"]),
                   points=float(d.get("points", 0)), visibility=str(d.get("visibility", "visible")),
                   doc=str(d.get("doc", "")), timing=bool(d.get("timing", False)))


@dataclasses.dataclass
class TestResult:
    __test__ = False
    info: TestInfo
    status: str                  # passed, failed, error, hung, crashed, not-run
    message: str = ""
    measurements: list[dict] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    duration: float = 0.0
    output: str = ""
    flags: list[str] = dataclasses.field(default_factory=list)   # borderline passes
    timeline: dict | None = None   # what the student's threads did (checks/timeline.py)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def score(self) -> float:
        return self.info.points if self.passed else 0.0

    @property
    def max_score(self) -> float:
        return self.info.points


@dataclasses.dataclass
class Grade:
    assignment: int
    title: str
    tests: list[TestResult]
    notes: list[str]             # about the whole run: renamed file, budget, strays
    duration: float = 0.0
    visibility: str = "all"
    waited: float = 0.0          # of duration, seconds tests queued for the machine lock
    sandbox: list[str] = dataclasses.field(default_factory=list)  # jail layers (instructors)
    cannot_run: str = ""         # why no test could run (precheck.py): shown once, first

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def flags(self) -> list[str]:
        """'test name: borderline: ...' for every verdict a test flagged for the instructor."""
        return [f"{t.info.name}: {flag}" for t in self.tests for flag in t.flags]

    @property
    def complete(self) -> bool:
        return all(t.status != "not-run" for t in self.tests)


def _result_status(event: dict) -> str:
    outcome = event.get("outcome")
    if outcome == "passed":
        return "passed"
    if outcome in ("failed", "error", "crashed"):
        return outcome
    return "failed"  # skipped or unknown: a graded test that did not pass earns nothing


def _measurements(value) -> list[dict]:
    if not isinstance(value, list):
        return []
    out = []
    for m in value:
        if isinstance(m, dict) and isinstance(m.get("label"), str) and "value" in m:
            m = {**m, "label": clean(m["label"]), "value": clean_value(m["value"])}
            if m.get("expected") is not None:
                m["expected"] = clean(m["expected"])
            out.append(m)
    return out


def _timeline(value) -> dict | None:
    """A timeline event field (checks/timeline.py) in its documented shape, names made safe
    to show, or None."""
    if not isinstance(value, dict) or not isinstance(value.get("lanes"), list):
        return None
    lanes = []
    for lane in value["lanes"][:20]:
        if not isinstance(lane, dict) or not isinstance(lane.get("bars"), list):
            continue
        bars = [[_finite(b[0]), _finite(b[1]), clean(b[2]) if isinstance(b[2], str) else ""]
                for b in lane["bars"][:400] if isinstance(b, list) and len(b) == 3]
        lanes.append({"name": clean(str(lane.get("name", ""))), "bars": bars})
    return {"what": clean(str(value.get("what", "calls"))), "span": _finite(value.get("span")),
            "of": "processes" if value.get("of") == "processes" else "threads",
            "calls": int(_number(value.get("calls"))), "peak": int(_number(value.get("peak"))),
            "lanes": lanes, "more_lanes": int(_number(value.get("more_lanes"))),
            "note": clean(str(value.get("note") or ""))[:300]}


def _number(value) -> float:
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _finite(value) -> float:
    number = _number(value)
    return number if math.isfinite(number) else 0.0


def score(expected: Iterable[TestInfo], events: Iterable[dict],
          missing_reason: dict[str, tuple[str, str]] | None = None) -> list[TestResult]:
    """Pair every expected test with its last result; unknown nodeids are ignored.

    `missing_reason` maps nodeid -> (status, message) for tests the runner knows
    something about (hung hard, crashed, budget); the rest are "not-run".
    """
    by_id: dict[str, dict] = {}
    for event in events:
        if event.get("event") in ("result", "hung") and isinstance(event.get("nodeid"), str):
            by_id[event["nodeid"]] = event
    missing_reason = missing_reason or {}
    out = []
    for info in expected:
        event = by_id.get(info.nodeid)
        if event is None:
            status, message = missing_reason.get(
                info.nodeid, ("not-run", "This test did not run: the grading stopped before it."))
            out.append(TestResult(info, status, clean(message)))
        elif event["event"] == "hung":
            out.append(TestResult(info, "hung", clean(event.get("message", ""))))
        else:
            notes, flags = event.get("notes"), event.get("flags")
            out.append(TestResult(
                info, _result_status(event), clean(event.get("message", "")),
                measurements=_measurements(event.get("measurements")),
                notes=[clean(n) for n in notes] if isinstance(notes, list) else [],
                duration=_number(event.get("duration")),
                output=clean(event.get("output", "")),
                flags=[clean(f) for f in flags if isinstance(f, str)] if isinstance(flags, list) else [],
                timeline=_timeline(event.get("timeline"))))
    return out
