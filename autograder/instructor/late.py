"""One late policy, named once, applied from what the LMS says about each submission.

    policy = LatePolicy.parse("10%/day, cap 50%, grace 15m")
    policy.apply(score, max_score, lateness) -> Late(score, raw, percent, why)

The spec is a comma-separated list (the manifest's `late = "..."`, or --late):
    N%/day | N%/hour     points lost per day (or hour) late; a period begun counts whole
    cap N%               never more than N% lost (default 100%)
    grace D              late by less than D (30s, 15m, 2h, 1d) is on time
    "none"               no penalty (the default)

Lateness comes from the LMS, each as precise as it knows:
    Canvas download     the _LATE_ mark only: late by an unknown time, counted as one
                        period (said so); `push canvas` has Canvas's seconds_late instead
    Moodle (push)       the submission's timemodified against the assignment's due date
    Gradescope          submission_metadata.json: created_at against the assignment's
                        due_date (the user's own due date when Gradescope gives one)
The raw score is kept beside the penalised one everywhere, with the reason.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import re

from .records import GradeRow, Student

PERIODS = {"day": 86400.0, "hour": 3600.0}
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class LatePolicyError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Lateness:
    """What the LMS says: late by `seconds` (None: late, by how much it does not say)."""
    late: bool
    seconds: float | None
    source: str                  # where it was read, for the reason


@dataclasses.dataclass(frozen=True)
class Late:
    score: float                 # after the penalty
    raw: float                   # the grader's score
    percent: float               # of the points lost (0 when none)
    why: str                     # "" when on time or no policy


@dataclasses.dataclass(frozen=True)
class LatePolicy:
    percent: float = 0.0         # lost per period begun
    period: float = PERIODS["day"]
    cap: float = 100.0
    grace: float = 0.0           # seconds
    spec: str = "none"           # as it was written

    @classmethod
    def parse(cls, spec: str | None) -> LatePolicy:
        if spec is None or spec.strip().lower() in ("", "none", "0", "0%"):
            return cls()
        fields: dict = {}
        for part in (p.strip().lower() for p in spec.split(",")):
            if m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*%\s*(?:/|per|a|an)\s*(day|hour)", part):
                fields.update(percent=float(m[1]), period=PERIODS[m[2]])
            elif m := re.fullmatch(r"(?:cap|max|at most)\s*(\d+(?:\.\d+)?)\s*%", part):
                fields["cap"] = float(m[1])
            elif m := re.fullmatch(r"grace\s*(\d+(?:\.\d+)?)\s*([smhd])", part):
                fields["grace"] = float(m[1]) * UNITS[m[2]]
            else:
                raise LatePolicyError(
                    f"late policy {spec!r}: cannot read {part!r}; write e.g. '10%/day, cap 50%, "
                    "grace 15m' (N%/day or N%/hour, cap N%, grace with s, m, h or d), or 'none'")
        policy = cls(**fields, spec=spec.strip())
        if not 0 <= policy.percent <= 100 or not 0 <= policy.cap <= 100:
            raise LatePolicyError(f"late policy {spec!r}: percentages go from 0 to 100")
        return policy

    def __bool__(self) -> bool:
        return self.percent > 0

    def describe(self) -> str:
        if not self:
            return "no late penalty"
        unit = "day" if self.period == PERIODS["day"] else "hour"
        text = f"{self.percent:g}% per {unit} late (a {unit} begun counts)"
        if self.cap < 100:
            text += f", at most {self.cap:g}%"
        if self.grace:
            text += f", {_duration(self.grace)} of grace"
        return text

    def periods(self, lateness: Lateness) -> int:
        """Periods begun past the grace (1 when the LMS only says 'late'). The LMS's 'late'
        decides: Canvas's seconds_late keeps growing for work it does not count as late
        (nothing submitted, an excused student), and then its late is false."""
        if not lateness.late:
            return 0
        if lateness.seconds is None:
            return 1
        beyond = lateness.seconds - self.grace
        return math.ceil(beyond / self.period) if beyond > 0 else 0

    def apply(self, score: float, max_score: float, lateness: Lateness | None) -> Late:
        if not self or lateness is None:
            return Late(score, score, 0.0, "")
        periods = self.periods(lateness)
        if periods == 0:
            why = (f"submitted {_duration(lateness.seconds)} late, within the "
                   f"{_duration(self.grace)} of grace ({lateness.source})"
                   if lateness.late and lateness.seconds else "")
            return Late(score, score, 0.0, why)
        percent = min(self.cap, periods * self.percent)
        penalised = max(0.0, round(score - max_score * percent / 100, 2))
        how = (f"{_duration(lateness.seconds)} late" if lateness.seconds is not None
               else "marked late, by an unknown time: counted as one period")
        why = (f"{how} ({lateness.source}): -{percent:g}% of {max_score:g} points under the "
               f"policy {self.describe()}; {score:g} -> {penalised:g}")
        return Late(penalised, score, percent, why)


NO_POLICY = LatePolicy()


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "an unknown time"
    seconds = max(0.0, float(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            whole, rest = divmod(seconds, size)
            smaller = {"d": ("h", 3600), "h": ("min", 60), "min": ("s", 1)}[unit]
            part = int(rest // smaller[1])
            return f"{int(whole)} {unit}" + (f" {part} {smaller[0]}" if part else "")
    return f"{seconds:.0f} s"


def seconds_between(submitted: str, due: str) -> float:
    """How late an ISO 8601 time is against another (negative: early)."""
    return (_when(submitted) - _when(due)).total_seconds()


def _when(text: str) -> _dt.datetime:
    when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)


# ------------------------------------------------------------------ a batch's rows

def lateness_of(student: Student) -> Lateness | None:
    """What a download says about a student's lateness (only Canvas's names say it)."""
    return lateness_of_lms(student.lms)


def lateness_of_lms(lms: dict) -> Lateness | None:
    if lms.get("late"):
        return Lateness(True, None, "Canvas's LATE mark on the download's file name")
    return None


def penalise(rows: list[GradeRow], policy: LatePolicy) -> list[GradeRow]:
    """The rows with the policy applied to graded late ones: score penalised, raw_score
    and the reason kept. Rows saved by the batch stay raw (a rerun may change the policy)."""
    out = []
    for row in rows:
        lateness = lateness_of(row.student) if policy and row.status == "graded" else None
        late = policy.apply(row.score, row.max_score, lateness)
        if late.why:
            row = dataclasses.replace(row, score=late.score, raw_score=late.raw, late=late.why)
        out.append(row)
    return out
