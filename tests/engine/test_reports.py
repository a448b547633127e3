"""autograder.reports: Gradescope results.json and the terminal text."""
from __future__ import annotations

import json
import re

from autograder import reports
from autograder.scoring import Grade, TestInfo, TestResult

ANSI = re.compile(r"\x1b\[[0-9;]*m")
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}


def _grade(**kw) -> Grade:
    tests = [
        TestResult(TestInfo("t.py::ok", "every item handled once", 3.0, "visible"), "passed",
                   measurements=[{"label": "peak workers", "value": 3, "expected": "3"}],
                   duration=0.1234),
        TestResult(TestInfo("t.py::bad", "empty input", 2.0, "visible"), "failed",
                   "process_all([]) hung.\n  measured: 3 s\n  likely cause: no sentinel",
                   output="worker started\n"),
        TestResult(TestInfo("t.py::hid", "secret sizes", 1.0, "after_published"), "hung",
                   "SECRET-DETAIL of the hidden test", notes=["hidden note"]),
        TestResult(TestInfo("t.py::hid2", "secret pass", 1.5, "hidden"), "passed",
                   notes=["hidden pass note"]),
        TestResult(TestInfo("t.py::nr", "never ran", 0.5, "visible"), "not-run", "budget ran out"),
    ]
    return Grade(assignment=1, title="Fix the consumer", tests=tests,
                 notes=kw.get("notes", []), duration=12.3456, visibility=kw.get("visibility", "all"))


# --------------------------------------------------------------- gradescope

def test_gradescope_top_level_shape():
    data = reports.gradescope(_grade())
    assert data["score"] == 4.5 and data["max_score"] == 8.0
    assert data["execution_time"] == 12.35
    assert isinstance(data["output"], str) and data["output"]
    assert data["visibility"] in VISIBILITIES
    assert data["stdout_visibility"] in VISIBILITIES
    assert isinstance(data["tests"], list) and len(data["tests"]) == 5
    assert reports.gradescope(_grade(), stdout_visibility="visible")["stdout_visibility"] == "visible"


def test_gradescope_output_is_the_notes_or_a_summary():
    assert reports.gradescope(_grade())["output"] == "Fix the consumer: 4.5/8"
    data = reports.gradescope(_grade(notes=["graded hw1.py as consumer.py", "budget ran out"]))
    assert data["output"] == "graded hw1.py as consumer.py\nbudget ran out"


def test_gradescope_tests_shape():
    data = reports.gradescope(_grade())
    for i, t in enumerate(data["tests"], 1):
        assert {"name", "number", "score", "max_score", "status", "output", "output_format",
                "visibility"} <= set(t)
        assert t["number"] == f"1.{i}"
        assert t["status"] in {"passed", "failed"}
        assert isinstance(t["output"], str)
        assert t["output_format"] == "text"
        assert t["visibility"] in VISIBILITIES
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"]
    by_name = {t["name"]: t for t in data["tests"]}
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "failed", "passed", "failed"]
    assert by_name["every item handled once"]["score"] == 3.0
    assert "peak workers: 3 (expected 3)" in by_name["every item handled once"]["output"]
    assert "likely cause: no sentinel" in by_name["empty input"]["output"]
    assert "worker started" in by_name["empty input"]["output"]       # printed output on failure
    assert by_name["secret sizes"]["visibility"] == "after_published"
    assert by_name["never ran"]["score"] == 0 and "budget ran out" in by_name["never ran"]["output"]


def test_gradescope_round_trips_through_json():
    data = reports.gradescope(_grade(notes=["ünïcode ✓"]))
    assert json.loads(json.dumps(data)) == data


def test_write_json_is_atomic_and_valid(tmp_path):
    data = reports.gradescope(_grade())
    path = tmp_path / "deep" / "results" / "results.json"
    reports.write_json(data, path)
    assert json.loads(path.read_text(encoding="utf-8")) == data
    # Overwrites in place, and leaves no temporary file behind.
    reports.write_json({"score": 1}, path)
    assert json.loads(path.read_text()) == {"score": 1}
    assert sorted(p.name for p in path.parent.iterdir()) == ["results.json"]


# ---------------------------------------------------------------------- text

def test_text_lists_every_test_with_points_and_the_total():
    out = reports.text(_grade(notes=["graded hw1.py as consumer.py"]), source="hw1.py")
    lines = out.splitlines()
    assert lines[0] == "Assignment 1: Fix the consumer  (hw1.py)"
    assert "note: graded hw1.py as consumer.py" in lines
    assert any(ln.startswith("PASS") and "3/3" in ln and "every item handled once" in ln for ln in lines)
    assert any(ln.startswith("FAIL") and "0/2" in ln and "empty input" in ln for ln in lines)
    assert any(ln.startswith("HANG") and "0/1" in ln and "[hidden]" in ln for ln in lines)
    assert any(ln.startswith("SKIP") and "0/0.5" in ln for ln in lines)
    assert "peak workers: 3 (expected 3)" in out
    assert "likely cause: no sentinel" in out
    assert lines[-1] == "Total: 4.5/8  (visible 3/5.5, hidden 1.5/2.5)"


def test_text_has_no_ansi_codes_without_colour_and_has_them_with():
    assert not ANSI.search(reports.text(_grade(), colour=False))
    coloured = reports.text(_grade(), colour=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == reports.text(_grade(), colour=False)


def test_hidden_details_can_be_suppressed():
    shown = reports.text(_grade(), show_hidden_details=True)
    assert "SECRET-DETAIL" in shown and "hidden note" in shown
    hidden = reports.text(_grade(), show_hidden_details=False)
    assert "SECRET-DETAIL" not in hidden
    assert "hidden note" not in hidden and "hidden pass note" not in hidden
    assert "(details of hidden tests are shown after the due date)" in hidden
    # Visible tests keep their details, and the hidden tests are still listed and counted.
    assert "likely cause: no sentinel" in hidden and "secret sizes [hidden]" in hidden
    assert hidden.splitlines()[-1].startswith("Total: 4.5/8")


def test_visible_only_run_says_so():
    assert "Visible tests only" in reports.text(_grade(visibility="visible"))
    assert "Visible tests only" not in reports.text(_grade())


def test_multi_line_notes_and_measurements_stay_indented_under_their_test():
    chart = "baseline  ######## 0.800s\nyours     ## 0.200s"
    result = TestResult(TestInfo("t.py::speed", "faster", 3.0, "visible"), "passed",
                        measurements=[{"label": "timings", "value": "a\nb", "expected": None}],
                        notes=[chart])
    body = reports.test_body(result)
    assert body == ["timings: a", "b", "baseline  ######## 0.800s", "yours     ## 0.200s"]
    out = reports.text(Grade(assignment=2, title="t", tests=[result], notes=[], duration=1.0,
                             visibility="all"))
    chart_lines = [ln for ln in out.splitlines() if "0.800s" in ln or "0.200s" in ln]
    assert len(chart_lines) == 2
    assert all(ln.startswith(" " * 8) for ln in chart_lines), out


# ---------------------------------------------------------------- classroom

def test_classroom_runner_json_has_the_command_graders_shape():
    from standins.classroom_reporter import report
    import base64
    g = _grade()
    data = reports.classroom(g)
    assert data["version"] == 1 and data["status"] == "fail" and data["max_score"] == 8
    assert [t["status"] for t in data["tests"]] == ["pass", "fail", "fail", "pass", "fail"]
    assert [t["score"] for t in data["tests"]] == [3, 0, 0, 1.5, 0]      # partial credit
    assert all(set(t) == {"name", "status", "score", "message", "test_code", "filename",
                          "line_no", "duration"} for t in data["tests"])
    assert data["tests"][0]["duration"] == 123 and data["tests"][0]["message"] == ""
    assert "no sentinel" in data["tests"][1]["message"]
    env = {"ASSIGNMENT-1_RESULTS": base64.b64encode(json.dumps(data).encode()).decode()}
    got = report(env, "assignment-1")
    assert got.points == "Points 4.5/8" and got.failed == "Some tests failed."


def test_classroom_status_is_pass_only_when_every_test_passed_and_error_when_none_ran():
    g = _grade()
    for r in g.tests:
        r.status = "passed"
    assert reports.classroom(g)["status"] == "pass"
    g = _grade()
    g.cannot_run = "consumer.py: SyntaxError at line 3"
    data = reports.classroom(g)
    assert data["status"] == "error" and {t["status"] for t in data["tests"]} == {"pass", "error"}
    assert data["tests"][1]["message"] == "consumer.py: SyntaxError at line 3"
