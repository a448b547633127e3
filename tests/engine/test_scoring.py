"""autograder.scoring.score: expected tests x reported events -> points with reasons."""
from __future__ import annotations

import pytest

from autograder import reports
from autograder.scoring import Grade, TestInfo, TestResult, score


def _info(name, points=2.0, visibility="visible") -> TestInfo:
    return TestInfo(nodeid=f"tests/test_x.py::{name}", name=name, points=points,
                    visibility=visibility)


def _result(name, outcome, **fields) -> dict:
    return {"event": "result", "nodeid": f"tests/test_x.py::{name}", "outcome": outcome, **fields}


def _one(info, *events, **kw) -> TestResult:
    (result,) = score([info], list(events), **kw)
    return result


def test_a_passed_test_earns_its_points():
    r = _one(_info("a", 3.0), _result("a", "passed", duration=0.25, output="hi",
                                      notes=["fast"], measurements=[{"label": "peak", "value": 3}]))
    assert (r.status, r.passed, r.score, r.max_score) == ("passed", True, 3.0, 3.0)
    assert r.duration == 0.25 and r.output == "hi" and r.notes == ["fast"]
    assert r.measurements == [{"label": "peak", "value": 3}]


@pytest.mark.parametrize("outcome, status", [
    ("failed", "failed"), ("error", "error"), ("skipped", "failed"), ("xpassed", "failed"),
    (None, "failed"),
])
def test_anything_but_passed_scores_zero(outcome, status):
    r = _one(_info("a"), _result("a", outcome, message="because"))
    assert (r.status, r.score, r.max_score, r.passed) == (status, 0.0, 2.0, False)
    assert r.message == "because"


def test_a_missing_result_is_not_run_with_a_default_message():
    r = _one(_info("a"))
    assert (r.status, r.score) == ("not-run", 0.0)
    assert r.message == "This test did not run: the grading stopped before it."


def test_missing_reason_is_used_for_tests_without_a_result():
    results = score([_info("a"), _info("b"), _info("c")],
                    [_result("c", "passed")],
                    missing_reason={"tests/test_x.py::a": ("crashed", "exit code 3"),
                                    "tests/test_x.py::c": ("crashed", "ignored: c reported")})
    assert [(r.status, r.message) for r in results] == [
        ("crashed", "exit code 3"),
        ("not-run", "This test did not run: the grading stopped before it."),
        ("passed", ""),
    ]


def test_a_hung_event_gives_status_hung():
    r = _one(_info("a"), {"event": "start", "nodeid": "tests/test_x.py::a"},
             {"event": "hung", "nodeid": "tests/test_x.py::a", "message": "stuck in join()"})
    assert (r.status, r.score, r.message) == ("hung", 0.0, "stuck in join()")


def test_events_for_unknown_tests_and_other_events_are_ignored():
    results = score([_info("a")], [
        {"event": "collected", "tests": []},
        {"event": "start", "nodeid": "tests/test_x.py::a"},
        _result("not_expected", "passed"),
        {"event": "result", "nodeid": 42, "outcome": "passed"},
        {"event": "result", "outcome": "passed"},
        {"event": "done"},
    ])
    assert len(results) == 1 and results[0].status == "not-run"


def test_the_order_follows_the_expected_tests():
    expected = [_info("b"), _info("a"), _info("c")]
    results = score(expected, [_result("c", "passed"), _result("a", "failed")])
    assert [r.info.name for r in results] == ["b", "a", "c"]
    assert [r.status for r in results] == ["not-run", "failed", "passed"]


@pytest.mark.parametrize("events, status", [
    ([("failed",), ("passed",)], "passed"),
    ([("passed",), ("failed",)], "failed"),
    ([("hung",), ("passed",)], "passed"),
    ([("passed",), ("hung",)], "hung"),
])
def test_the_last_result_for_a_test_wins(events, status):
    evs = []
    for (what,) in events:
        if what == "hung":
            evs.append({"event": "hung", "nodeid": "tests/test_x.py::a", "message": "h"})
        else:
            evs.append(_result("a", what))
    assert _one(_info("a"), *evs).status == status


def test_malformed_measurement_entries_are_dropped():
    good = {"label": "peak", "value": 3, "expected": "3"}
    r = _one(_info("a"), _result("a", "passed",
                                 measurements=[good, "peak=3", 7, None, ["x"], good]))
    assert r.measurements == [good, good]


def test_missing_optional_fields_have_defaults():
    r = _one(_info("a"), {"event": "result", "nodeid": "tests/test_x.py::a", "outcome": "failed",
                          "duration": None})
    assert (r.message, r.measurements, r.notes, r.duration, r.output) == ("", [], [], 0.0, "")


def test_grade_sums_score_and_max_score():
    expected = [_info("a", 3), _info("b", 2), _info("c", 1.5, "after_published"), _info("d", 0.5)]
    results = score(expected, [_result("a", "passed"), _result("b", "failed"),
                               _result("c", "passed")])
    grade = Grade(assignment=1, title="t", tests=results, notes=[])
    assert grade.score == 4.5 and grade.max_score == 7.0
    assert grade.complete is False                   # d never ran
    done = Grade(1, "t", score(expected[:3], [_result("a", "passed")],
                               missing_reason={"tests/test_x.py::b": ("crashed", "x"),
                                               "tests/test_x.py::c": ("hung", "y")}), [])
    assert done.complete is True and done.score == 3.0 and done.max_score == 6.5
    assert Grade(1, "t", [], []).score == 0 and Grade(1, "t", [], []).max_score == 0


def test_from_event_fills_defaults():
    info = TestInfo.from_event({"nodeid": "t::x"})
    assert (info.nodeid, info.name, info.points, info.visibility, info.doc) == \
        ("t::x", "t::x", 0.0, "visible", "")


# ------------------------------------------------ the child's events are untrusted

def test_measurement_dicts_without_a_label_are_dropped():
    good = {"label": "peak", "value": 3, "expected": None}
    r = _one(_info("a"), _result("a", "failed", message="m",
                                 measurements=[good, {"value": 1}, {}, {"label": 5, "value": 1}]))
    assert r.measurements == [good]
    grade = Grade(1, "t", [r], [])
    assert "peak: 3" in reports.text(grade)
    assert "peak: 3" in reports.gradescope(grade)["tests"][0]["output"]


@pytest.mark.parametrize("field", [{"measurements": 5}, {"notes": None}, {"notes": 3},
                                   {"duration": "fast"}, {"duration": [1]}])
def test_a_malformed_result_event_does_not_crash_scoring(field):
    r = _one(_info("a"), _result("a", "passed", **field))
    assert r.status == "passed" and r.score == 2.0


def test_a_borderline_flag_reaches_the_instructor_not_the_students_summary():
    """A timing pass on the benefit of the doubt: the test's flags become the grade's, the
    instructor's report and results.json list them, the student's (visible) view does not
    add the instructor's section; a flag that is not text is dropped."""
    flag = "borderline: measured 1.46x, needed 1.50x"
    r = _one(_info("speed"), _result("speed", "passed", flags=[flag, 7], notes=[flag]))
    assert r.flags == [flag]
    grade = Grade(assignment=2, title="t", tests=[r], notes=[])
    assert grade.flags == [f"speed: {flag}"]
    assert "Flagged for the instructor" in reports.text(grade)
    assert "Flagged for the instructor" not in reports.text(
        Grade(assignment=2, title="t", tests=[r], notes=[], visibility="visible"))
    assert reports.gradescope(grade)["tests"][0]["extra_data"]["flags"] == [flag]
    plain = _one(_info("other"), _result("other", "passed"))
    assert plain.flags == [] and "flags" not in reports.gradescope(
        Grade(assignment=2, title="t", tests=[plain], notes=[]))["tests"][0]["extra_data"]


def test_the_students_copy_of_a_graded_report_keeps_the_instructors_sections_out():
    """A batch's feedback.txt goes to the student: the verdicts flagged for the instructor
    and the sandbox's report (uid, limits) stay in the instructor's copy; how the
    download's submission was found comes first in both."""
    flag = "borderline: measured 1.46x, needed 1.50x"
    r = _one(_info("speed"), _result("speed", "passed", flags=[flag]))
    grade = Grade(assignment=2, title="t", tests=[r], notes=[], sandbox=["uid 61000", "pids 512"])
    found = ["Canvas marked it late"]
    teacher = reports.text(grade, notes=found)
    student = reports.text(grade, notes=found, for_student=True)
    assert "Flagged for the instructor" in teacher and "uid 61000" in teacher
    assert "Flagged for the instructor" not in student and "uid 61000" not in student
    assert "Sandbox" not in student and "Total: 2/2" in student
    assert student.splitlines()[1] == teacher.splitlines()[1] == "submission: Canvas marked it late"


def test_a_long_test_name_is_wrapped_under_itself_not_cut():
    """From issue 17: a test's line was cut at the terminal's width; the name is wrapped."""
    name = "download_all: exactly min(max_workers, len(urls)) requests in flight at the peak"
    r = _one(TestInfo("tests/test_x.py::x", name, 2.0, "hidden"), _result("x", "failed"))
    text = reports.text(Grade(assignment=2, title="t", tests=[r], notes=[]), width=44)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("FAIL"))
    block = [lines[start]] + [line for line in lines[start + 1:start + 4]
                              if line.startswith(" " * 13) and not line.startswith(" " * 14)]
    assert all(len(line) <= 44 for line in block)
    assert " ".join(part.strip() for part in block).endswith(f"{name} [hidden]")
    assert block[0].startswith("FAIL    0/2  download_all:")
