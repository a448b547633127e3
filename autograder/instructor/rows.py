"""The rows of a batch: one per submission, made from its grade or from the error that
kept it from being graded, saved beside its feedback (row.json) and read back when a
rerun finds the same fingerprint (same submission, kit, tests and Python).

    fingerprint(a, student, python)   what a saved row must match to be reused
    from_grade(student, grade)        a graded submission's row
    error_row(student, a, message)    0 points and the reason; the batch goes on
    error_results(row)                results.json for a row that was never graded
    to_json(row, fp) / from_json(d)   row.json, both ways
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from .. import __version__, manifest, reports, runner
from .records import GradeRow, Student


# ----------------------------------------------------------------- fingerprints

def _hash_tree(path: Path, h) -> None:
    if path.is_file():
        h.update(path.name.encode())
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return
    for p in sorted(path.rglob("*")):
        if p.is_file() and not p.is_symlink():
            h.update(str(p.relative_to(path)).encode())
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)


def fingerprint(assignment: manifest.Assignment, student: Student, python=None) -> str:
    """Same submission, same kit, same tests, same Python -> same fingerprint: no need to
    regrade."""
    h = hashlib.sha256()
    h.update(repr((__version__, assignment, runner._tests_fingerprint(assignment))).encode())
    if python is not None and not python.own:
        h.update(repr((python.path, python.version, str(python.root))).encode())
    try:
        _hash_tree(student.path, h)
    except OSError as exc:
        h.update(repr(exc).encode())
    return h.hexdigest()[:32]


# ------------------------------------------------------------------------ rows

def _summary_line(grade) -> str:
    if grade.cannot_run:                     # one reason, not "0 of 18 passed; lost: ..."
        first = grade.cannot_run.splitlines()[0]
        return first if len(first) <= 300 else first[:297] + "..."
    lost = [t for t in grade.tests if not t.passed]
    flagged = [f"{t.info.name} ({t.flags[0]})" for t in grade.tests if t.flags]
    if not lost:
        text = f"all {len(grade.tests)} tests passed"
    else:
        parts = [f"{t.info.name} ({t.status}, -{t.max_score:g})" for t in lost]
        text = f"{len(grade.tests) - len(lost)} of {len(grade.tests)} tests passed; lost: " + "; ".join(parts)
    if flagged:
        text += "; flagged: " + "; ".join(flagged)
    return text if len(text) <= 300 else text[:297] + "..."


def from_grade(student: Student, grade) -> GradeRow:
    return GradeRow(student=student, status="graded", score=grade.score, max_score=grade.max_score,
               message=_summary_line(grade), duration=round(grade.duration, 2),
               tests=[{"name": t.info.name, "nodeid": t.info.nodeid, "score": t.score,
                       "max_score": t.max_score, "status": t.status,
                       "visibility": t.info.visibility, "duration": round(t.duration, 3),
                       "output": "\n".join(reports.test_body(t)),
                       **({"flags": list(t.flags)} if t.flags else {})}
                      for t in grade.tests])


def error_row(student: Student, assignment: manifest.Assignment, message: str,
              duration: float = 0.0) -> GradeRow:
    """The grader could not grade it: 0 points, with the reason, and the batch goes on."""
    tests = [{"name": t.name, "nodeid": t.nodeid, "score": 0.0, "max_score": t.points,
              "status": "not-run", "visibility": t.visibility, "duration": 0.0,
              "output": message}
             for t in _expected(assignment)]
    return GradeRow(student=student, status="error", score=0.0, max_score=assignment.points,
               message=message, duration=round(duration, 2), tests=tests)


def error_results(row: GradeRow) -> dict:
    """results.json (Gradescope's format) for a submission the grader could not grade."""
    return {"score": 0.0, "max_score": row.max_score, "execution_time": row.duration,
            "output": row.message,
            "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [{"name": t["name"], "number": str(i), "score": 0.0,
                       "max_score": t["max_score"], "status": "failed", "output": t["output"],
                       "output_format": "text", "visibility": t["visibility"],
                       "extra_data": {"nodeid": t["nodeid"]}}
                      for i, t in enumerate(row.tests, 1)]}


def _expected(assignment):
    try:
        return runner.expected_tests(assignment)
    except runner.GraderError:
        return []


def to_json(row: GradeRow, fp: str) -> dict:
    data = dataclasses.asdict(row)
    data["student"]["path"] = str(row.student.path)
    data["fingerprint"] = fp
    return data


def from_json(data: dict) -> GradeRow:
    s = dict(data["student"])
    s["path"] = Path(s["path"])
    return GradeRow(student=Student(**s), status=data["status"], score=float(data["score"]),
               max_score=float(data["max_score"]), message=data.get("message", ""),
               duration=float(data.get("duration", 0.0)), tests=list(data.get("tests", [])))
