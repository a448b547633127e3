"""What results.json carries beyond the tests: the late policy applied from Gradescope's
own submission_metadata.json, a leaderboard entry, and the measured numbers.

    add_extras(data, grade, assignment, root)   data: reports.gradescope(grade), changed

Gradescope's specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications" and "Submission Metadata"): /autograder/submission_metadata.json holds
created_at (the submission time) and assignment.due_date / late_due_date (ISO 8601 with
an offset); a top-level "score" overrides the sum of the tests; "leaderboard" is a list
of {"name", "value", "order"} shown on the assignment's leaderboard when it is enabled.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..late import Lateness, LatePolicy, LatePolicyError, seconds_between

SPEEDUP = re.compile(r"^speedup", re.I)


def lateness(root: Path) -> Lateness | None:
    """How late this submission is, from submission_metadata.json (None: it says nothing).
    A user's own due date (an extension, when Gradescope lists one) wins."""
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        created = meta["created_at"]
        due = meta.get("assignment", {}).get("due_date")
        for user in meta.get("users") or []:
            due = (user.get("assignment") or {}).get("due_date") or due
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not due:
        return None
    try:
        seconds = seconds_between(created, due)
    except (ValueError, TypeError):
        return None
    return Lateness(seconds > 0, max(0.0, seconds), "Gradescope's submission time against "
                                                      "the due date")


def leaderboard(grade) -> list[dict]:
    """The first speedup the tests measured (manifest order), as Gradescope's entry."""
    for r in grade.tests:
        for m in r.measurements:
            value = re.match(r"\s*(\d+(?:\.\d+)?)\s*x", str(m.get("value", "")))
            if SPEEDUP.match(str(m.get("label", ""))) and value:
                return [{"name": "Speedup", "value": float(value[1]), "order": "desc"}]
    return []


def add_extras(data: dict, grade, assignment, root: Path) -> None:
    try:
        policy = LatePolicy.parse(assignment.late)
    except LatePolicyError as exc:            # the instructor's typo: said, never fatal
        data["output"] += f"\n\nNote for the instructor: the late policy was ignored: {exc}"
        policy = LatePolicy()
    late = policy.apply(data["score"], grade.max_score, lateness(root) if policy else None)
    data["extra_data"] = {**data.get("extra_data", {}), "raw_score": late.raw,
                          "late_policy": policy.describe(), "measured": _measured(grade)}
    if late.why:
        data["score"] = late.score
        data["extra_data"]["late"] = late.why
        data["output"] = f"Late: {late.why}\n\n{data['output']}"
    board = leaderboard(grade)
    if board:
        data["leaderboard"] = board


def _measured(grade) -> dict[str, list]:
    return {r.info.name: [{k: m.get(k) for k in ("label", "value", "expected")}
                          for m in r.measurements] for r in grade.tests if r.measurements}
