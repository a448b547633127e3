"""The late policy: reading it, what it takes, and a batch's rows penalised from what
the download says (Canvas's LATE mark), raw kept beside."""
from __future__ import annotations

import pytest

from autograder.instructor.late import (Lateness, LatePolicy, LatePolicyError, penalise,
                                        seconds_between)
from autograder.instructor.records import GradeRow, Student

DAY = 86400


def test_parse_and_describe():
    p = LatePolicy.parse("10%/day, cap 50%, grace 15m")
    assert (p.percent, p.period, p.cap, p.grace) == (10, DAY, 50, 900)
    assert p.describe() == "10% per day late (a day begun counts), at most 50%, 15 min of grace"
    assert LatePolicy.parse("5% per hour").period == 3600
    assert not LatePolicy.parse("none") and not LatePolicy.parse("") and not LatePolicy.parse(None)
    for bad in ("10", "10%/week", "cap 50", "grace 5 minutes", "150%/day"):
        with pytest.raises(LatePolicyError):
            LatePolicy.parse(bad)


@pytest.mark.parametrize("seconds, lost", [
    (0, 0), (-3600, 0), (600, 0),           # early, on time, within the grace
    (901, 10), (DAY + 900, 10),             # a day begun past the grace counts whole
    (DAY + 901, 20), (10 * DAY, 50)])       # the cap
def test_what_it_takes(seconds, lost):
    p = LatePolicy.parse("10%/day, cap 50%, grace 15m")
    late = p.apply(30.0, 30.0, Lateness(seconds > 0, seconds, "the LMS"))
    assert late.percent == lost and late.score == 30.0 - 3 * lost / 10 and late.raw == 30.0


def test_the_reason_says_how_late_by_whose_word_and_the_sum():
    late = LatePolicy.parse("10%/day").apply(28.0, 32.0, Lateness(True, DAY + 3600, "Gradescope"))
    assert late.why == ("1 d 1 h late (Gradescope): -20% of 32 points under the policy 10% "
                        "per day late (a day begun counts); 28 -> 21.6")
    marked = LatePolicy.parse("10%/day").apply(28.0, 32.0, Lateness(True, None, "Canvas"))
    assert marked.percent == 10 and "by an unknown time: counted as one period" in marked.why
    never_negative = LatePolicy.parse("50%/day").apply(5.0, 32.0, Lateness(True, 2 * DAY, "x"))
    assert never_negative.score == 0.0


def test_batch_rows_penalised_from_canvas_late_mark_raw_kept():
    def row(sid, late, status="graded"):
        return GradeRow(Student(sid, sid, None, "canvas", {"user_id": "1", "late": late}),
                        status, 30.0, 30.0)
    rows = penalise([row("a", "1"), row("b", ""), row("c", "1", "error")],
                    LatePolicy.parse("10%/day"))
    assert [(r.score, r.raw_score, bool(r.late)) for r in rows] == [
        (27.0, 30.0, True), (30.0, None, False), (30.0, None, False)]
    assert penalise(rows[:1], LatePolicy.parse("none"))[0].score == 27.0   # nothing re-applied


def test_seconds_between_iso_times_with_offsets():
    assert seconds_between("2018-07-01T14:22:32-07:00", "2018-07-01T21:22:32Z") == 0
    assert seconds_between("2026-12-02T00:00:00", "2026-12-01T23:00:00+00:00") == 3600


def test_every_export_keeps_the_raw_score_beside_and_says_why(tmp_path):
    import csv

    from autograder import manifest
    from autograder.instructor import exports
    a2 = manifest.get(2)
    row = GradeRow(Student("ada_1001", "lovelaceada", tmp_path, "canvas",
                           {"user_id": "1001", "submission_id": "9", "late": "1"}),
                   "graded", 30.0, 30.0, message="all 30 passed")
    (penalised,) = penalise([row], LatePolicy.parse("10%/day"))
    exports.write_all([penalised], a2, tmp_path, canvas_assignment_id="4242")
    with open(tmp_path / "grades.csv", encoding="utf-8-sig", newline="") as f:
        (line,) = csv.DictReader(f)
    assert (line["score"], line["raw_score"]) == ("27", "30")
    assert line["late_penalty"].startswith("marked late, by an unknown time")
    with open(tmp_path / "canvas.csv", encoding="utf-8", newline="") as f:
        book = list(csv.DictReader(f))
    assert [b[f"{a2.title} (4242)"] for b in book if b["ID"]] == ["27"]


def test_the_lms_saying_not_late_wins_over_seconds():
    """Canvas: seconds_late grows for an excused or unsubmitted student whose late is false."""
    p = LatePolicy.parse("10%/day")
    late = p.apply(30.0, 30.0, Lateness(False, 5 * DAY, "Canvas's seconds_late"))
    assert (late.score, late.why) == (30.0, "")
