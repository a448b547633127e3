"""Who handed in what, and what they got: the records a batch passes along.

    Student   one submission found in an LMS download (lms/ finds them)
    Unmatched something in the download that is not a submission we could attribute
    GradeRow  one graded submission: what grades.csv and every export are made from

Data flows one way: lms.discover -> [Student] -> batch (grades each) -> [GradeRow] -> exports.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_id(text: str) -> str:
    """A folder-safe form of a student id ("Ada Lovelace_123" -> "Ada_Lovelace_123")."""
    out = _SAFE.sub("_", text).strip("._")
    return out[:80] or "student"


@dataclasses.dataclass
class Student:
    id: str                       # stable, folder-safe, unique within a batch: DIR/<id>/
    name: str                     # display name as the LMS gave it ("Ada Lovelace", "lovelaceada")
    path: Path                    # what to grade: a folder, a .py file or a .zip
    source: str                   # "canvas", "moodle", "folder", "file", "zip"
    lms: dict[str, str] = dataclasses.field(default_factory=dict)
    # canvas: {"user_id", "submission_id", "late": "1"|""}; moodle: {"participant"}
    notes: list[str] = dataclasses.field(default_factory=list)   # how it was recognised


@dataclasses.dataclass
class Unmatched:
    path: str                     # relative to the download's root
    reason: str                   # why no student could be attributed


@dataclasses.dataclass
class GradeRow:
    student: Student
    status: str                   # "graded", "error" (the grader could not grade it)
    score: float
    max_score: float
    message: str = ""             # one line: the summary a gradebook shows
    duration: float = 0.0
    tests: list[dict] = dataclasses.field(default_factory=list)
    # per test: {"name", "nodeid", "score", "max_score", "status", "visibility", "duration",
    #            "output"}
    # (status: passed, failed, error, hung, crashed, not-run; output: the feedback text)
    raw_score: float | None = None   # the grader's score, when a late penalty changed it
    late: str = ""                # why a late policy took points (or took none), for people

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0
