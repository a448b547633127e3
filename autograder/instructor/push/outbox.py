"""What a batch's output folder has to send: one Parcel per student row.

    read(out) -> (parcels, problems)

A batch (`python -m autograder batch N PATH --out DIR`) leaves DIR/<student>/row.json
(the row: score, status, the ids the LMS gave) and DIR/<student>/feedback.txt (the
student's own report, without the instructor's notes). A parcel is what a push takes
from them; a row.json that cannot be read is a problem line, never a silent skip.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from ..rows import from_json

COMMENT_LIMIT = 16_000        # characters of feedback in the comment; the rest is attached


@dataclasses.dataclass(frozen=True)
class Parcel:
    student: str                  # the batch's student id (DIR/<student>/)
    name: str                     # as the LMS gave it
    lms: dict                     # the LMS's ids: canvas user_id, moodle participant, late
    status: str                   # "graded" or "error" (the grader could not grade it)
    score: float
    max_score: float
    message: str                  # the row's one-line summary (the reason, for an error)
    feedback: Path | None         # DIR/<student>/feedback.txt, when there is one

    def feedback_text(self) -> str:
        if self.feedback is None:
            return self.message
        return self.feedback.read_text(encoding="utf-8", errors="replace")

    def feedback_digest(self) -> str:
        """The attachment's content, hashed (part of what a push's fingerprint covers)."""
        data = self.feedback.read_bytes() if self.feedback is not None else b""
        return hashlib.sha256(data).hexdigest()


def read(out: Path) -> tuple[list[Parcel], list[str]]:
    """Every student folder's row, sorted by student id, and what could not be read."""
    out = Path(out)
    if not out.is_dir():
        raise FileNotFoundError(f"{out} is not a folder: pass the --out folder of a batch")
    parcels, problems = [], []
    for saved in sorted(out.glob("*/row.json")):
        if saved.parent.name.startswith("."):
            continue                             # DIR/.work: the unpacked download
        try:
            row = from_json(json.loads(saved.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{saved}: unreadable ({type(exc).__name__}: {exc}); "
                            "grade that student again with the batch")
            continue
        feedback = saved.parent / "feedback.txt"
        parcels.append(Parcel(
            student=row.student.id, name=row.student.name, lms=dict(row.student.lms),
            status=row.status, score=row.score, max_score=row.max_score, message=row.message,
            feedback=feedback if feedback.is_file() else None))
    if not parcels and not problems:
        problems.append(f"{out} holds no graded student (no */row.json): run the batch "
                        "first, then push its --out folder")
    return parcels, problems


def comment_text(parcel: Parcel, assignment_title: str, points: str, marker: str) -> str:
    """The comment a student reads in the LMS: the score, their feedback (cut where it is
    long: the attachment has it whole) and the push's marker on the last line."""
    body = parcel.feedback_text().rstrip()
    if len(body) > COMMENT_LIMIT:
        body = body[:COMMENT_LIMIT].rstrip() + "\n…\n(cut here: the attached feedback.txt " \
                                               "has the whole report)"
    head = f"{assignment_title}: {points}" if assignment_title else points
    return f"{head}\n\n{body}\n\n{marker}"


def fingerprint(target: str, what: dict) -> str:
    """One student's push to one target, as a digest: the same grade, comment and
    attachment to the same place give the same fingerprint (nothing new to send)."""
    return hashlib.sha256(json.dumps([target, what], sort_keys=True).encode()).hexdigest()[:32]
