"""summary.txt: what an instructor reads first after a batch.

How many were graded, the scores' spread and distribution, how many passed each test
(the hardest first: what to go over in class), tests that hung or crashed, the verdicts
flagged borderline (a timing pass on the benefit of the doubt: worth a look), how
submissions were found (re-uploaded, late, a zip inside), the submissions that could not
be graded, the files no student could be matched to, and the sandbox the tests ran in.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence

from .records import GradeRow, Unmatched


def clock(seconds: float | None) -> str:
    """'1:05' (or '1:02:03'); '--:--' when unknown."""
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


def distribution(rows: list[GradeRow], bins: int = 10) -> list[tuple[str, int]]:
    counts = [0] * bins
    for r in rows:
        i = min(int(r.percent // (100 / bins)), bins - 1)
        counts[i] += 1
    step = 100 // bins
    return [(f"{i * step:>3}-{(i + 1) * step if i < bins - 1 else 100:>3}%", c)
            for i, c in enumerate(counts)]


def pass_rates(graded: list[GradeRow]) -> list[str]:
    """Each test with how many of the graded submissions passed it, the least passed first
    (ties in the tests' own order)."""
    if not graded:
        return []
    passed: dict[str, int] = {}
    label: dict[str, str] = {}
    for r in graded:
        for t in r.tests:
            key = t.get("nodeid") or t["name"]
            label.setdefault(key, f"{t.get('max_score', 0):g} pts  {t['name']}")
            passed[key] = passed.get(key, 0) + (t["status"] == "passed")
    order = sorted(label, key=lambda k: passed[k])          # stable: the tests' order in ties
    n = len(graded)
    return [f"  tests by how many passed (of {n} graded):"] + [
        f"    {100 * passed[k] / n:>3.0f}%  {passed[k]:>{len(str(n))}}/{n}  {label[k]}"
        for k in order]


def summary(rows: list[GradeRow], unmatched: list[Unmatched], assignment, elapsed: float,
            reused: int = 0, sandbox: Sequence[str] = ()) -> str:
    graded = [r for r in rows if r.status == "graded"]
    errors = [r for r in rows if r.status == "error"]
    out = [f"Assignment {assignment.number}: {assignment.title}: {len(rows)} submission(s) "
           f"in {clock(elapsed)}"
           + (f" ({reused} reused from an earlier run)" if reused else "")]
    out.append(f"  graded {len(graded)}, could not grade {len(errors)}, "
               f"not attributed to a student {len(unmatched)}")
    if rows:
        scores = [r.score for r in rows]
        out.append(f"  score: mean {statistics.fmean(scores):.1f}, median "
                   f"{statistics.median(scores):g}, min {min(scores):g}, max {max(scores):g} "
                   f"of {assignment.points:g}; full marks {sum(r.score >= r.max_score for r in rows)}")
        out.append("  distribution:")
        peak = max(c for _, c in distribution(rows)) or 1
        for label, count in distribution(rows):
            out.append(f"    {label} {'#' * round(30 * count / peak):<30} {count}")
    out.extend(pass_rates(graded))
    trouble: dict[str, int] = {}
    for r in rows:
        for t in r.tests:
            if t["status"] in ("hung", "crashed"):
                trouble[t["status"]] = trouble.get(t["status"], 0) + 1
    if trouble:
        out.append("  tests that " + ", ".join(f"{k}: {v}" for k, v in sorted(trouble.items())))
    out.extend(f"  LATE {r.student.id}: {r.late}" for r in rows if r.late)
    out.extend(f"  BORDERLINE {r.student.id}: {t['name']}: {flag}"
               for r in rows for t in r.tests for flag in t.get("flags", []))
    out.extend(f"  NOTE {r.student.id}: {note}" for r in rows for note in r.student.notes)
    for r in errors:
        out.append(f"  ERROR {r.student.id}: {r.message}")
    for u in unmatched:
        out.append(f"  NOT GRADED {u.path}: {u.reason}")
    if sandbox:      # kept out of the students' feedback.txt: it is for you
        out.append("  sandbox the tests ran in (README, \"Untrusted submissions\"):")
        out.extend(f"    {line.strip()}" for line in sandbox)
    return "\n".join(out)
