"""What a student's grade becomes in the LMS: the late policy first (on the kit's
points, from the lateness the LMS itself reports), then the LMS's own scale.

    score_for(parcel, lms_points, policy, lateness) -> Scored
    Scored.headline() -> "24/30 points (the kit's 28/32, scaled; late: ...)"
"""
from __future__ import annotations

import dataclasses

from ..exports.common import num
from ..late import Late, Lateness, LatePolicy
from .outbox import Parcel


@dataclasses.dataclass(frozen=True)
class Scored:
    grade: float                 # what the LMS gets, on its scale
    scale: float                 # the LMS's points (the kit's when the LMS gives none)
    kit: float                   # the grader's score, on the kit's points
    kit_max: float
    late: Late
    graded: bool

    def headline(self) -> str:
        text = f"{num(self.grade)}/{num(self.scale)} points"
        if not self.graded:
            return text + " (the grader could not grade this submission)"
        said = []
        if self.grade != self.kit:
            said.append(f"the kit's {num(self.kit)}/{num(self.kit_max)}"
                        + (", scaled" if self.scale != self.kit_max else ""))
        if self.late.why:
            said.append(f"late: {self.late.why}")
        return text + (f" ({'; '.join(said)})" if said else "")

    def shown(self) -> str:
        """For a dry run: the grade, what it came from."""
        text = f"{num(self.grade)} of {num(self.scale)}"
        if self.grade != self.kit or self.late.percent:
            text += f" (kit {num(self.kit)}/{num(self.kit_max)}"
            text += f", -{self.late.percent:g}% late)" if self.late.percent else ")"
        return text


def score_for(parcel: Parcel, lms_points: float | None, policy: LatePolicy,
              lateness: Lateness | None) -> Scored:
    graded = parcel.status == "graded"
    raw = parcel.score if graded else 0.0
    late = policy.apply(raw, parcel.max_score, lateness if graded else None)
    factor = 1.0
    if lms_points and parcel.max_score and abs(lms_points - parcel.max_score) > 1e-9:
        factor = lms_points / parcel.max_score
    return Scored(round(late.score * factor, 2), lms_points or parcel.max_score, raw,
                  parcel.max_score, late, graded)
