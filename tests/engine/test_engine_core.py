"""Unit tests of the engine's load-bearing parts: manifest, scoring, results.json shape,
budget kill with leaked children, crash attribution and the report of a hanging test."""
from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from autograder import cli, manifest, reports, runner, sandbox
from autograder.scoring import Grade, TestInfo, TestResult, score

A1 = manifest.get(1)


# ----------------------------------------------------------------- manifest

def test_manifest_lookup_by_number_and_slug():
    assert manifest.get("1") == manifest.get("01") == manifest.get(1) == manifest.get(A1.slug)
    assert A1.module == "consumer" and A1.folder.name == A1.slug


def test_unknown_assignment_lists_the_known_ones():
    with pytest.raises(manifest.UnknownAssignment, match="known: 1 \\(01_fix_the_consumer\\)"):
        manifest.get(99)


@pytest.mark.parametrize("entry, problem", [
    ('number = 1\nslug = "x"\ntitle = "t"\nfiles = ["x.py"]\npoints = 1\nbudget = 10', "missing 'test_timeout'"),
    ('number = "1"\nslug = "x"\ntitle = "t"\nfiles = ["x.py"]\npoints = 1\nbudget = 10\ntest_timeout = 1', "wrong type"),
    ('number = 1\nslug = "x"\ntitle = "t"\nfiles = ["x.txt"]\npoints = 1\nbudget = 10\ntest_timeout = 1', ".py"),
    ('number = 1\nslug = "x"\ntitle = "t"\nfiles = ["x.py"]\npoints = 1\nbudget = 1\ntest_timeout = 5', "test_timeout < budget"),
    ('number = 1\nslug = "x"\ntitle = "t"\nfiles = ["x.py"]\npoints = 1\nbudget = 10\ntest_timeout = 1\ncolour = 2', "unknown keys"),
])
def test_malformed_manifest_names_the_problem(tmp_path, entry, problem):
    path = tmp_path / "manifest.toml"
    path.write_text("[[assignment]]\n" + entry + "\n")
    with pytest.raises(manifest.ManifestError, match=problem.replace("(", "\\(")):
        manifest.load(path)


def test_duplicate_numbers_are_refused(tmp_path):
    one = 'number = 1\nslug = "{}"\ntitle = "t"\nfiles = ["x.py"]\npoints = 1\nbudget = 10\ntest_timeout = 1\n'
    path = tmp_path / "manifest.toml"
    path.write_text("[[assignment]]\n" + one.format("a") + "[[assignment]]\n" + one.format("b"))
    with pytest.raises(manifest.ManifestError, match="duplicate number"):
        manifest.load(path)


# ------------------------------------------------------------------ scoring

def _info(n, points=2.0, vis="visible"):
    return TestInfo(nodeid=f"t::{n}", name=n, points=points, visibility=vis)


def test_score_pairs_expected_tests_with_results():
    expected = [_info("a"), _info("b"), _info("c"), _info("d", 1.0, "after_published")]
    events = [
        {"event": "result", "nodeid": "t::a", "outcome": "passed"},
        {"event": "result", "nodeid": "t::b", "outcome": "failed", "message": "why"},
        {"event": "hung", "nodeid": "t::c", "message": "stuck"},
        {"event": "result", "nodeid": "t::zzz", "outcome": "passed"},   # not expected: ignored
        {"event": "result", "nodeid": "t::d", "outcome": "skipped"},
    ]
    results = score(expected, events)
    assert [r.status for r in results] == ["passed", "failed", "hung", "failed"]
    assert [r.score for r in results] == [2.0, 0.0, 0.0, 0.0]
    assert results[1].message == "why"
    grade = Grade(1, "t", results, [])
    assert (grade.score, grade.max_score) == (2.0, 7.0)


def test_a_test_without_result_scores_zero_with_a_reason():
    results = score([_info("a"), _info("b")], [],
                    missing_reason={"t::a": ("crashed", "the process ended")})
    assert [(r.status, r.score) for r in results] == [("crashed", 0.0), ("not-run", 0.0)]
    assert "did not run" in results[1].message


def test_results_json_has_the_gradescope_shape():
    results = [TestResult(_info("a"), "passed", measurements=[{"label": "peak", "value": 3, "expected": "3"}]),
               TestResult(_info("b", 1.0, "after_published"), "hung", "it hung")]
    data = reports.gradescope(Grade(1, "Fix", results, ["a note"], duration=1.5))
    json.loads(json.dumps(data))
    assert {"score", "max_score", "execution_time", "output", "visibility", "stdout_visibility",
            "tests"} <= set(data)
    assert (data["score"], data["max_score"]) == (2.0, 3.0)
    for t in data["tests"]:
        assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(t)
        assert t["status"] in ("passed", "failed")
        assert t["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    assert data["tests"][1]["status"] == "failed" and "it hung" in data["tests"][1]["output"]
    assert "peak: 3" in data["tests"][0]["output"]


# ------------------------------------------------------------------ sandbox

CHILD = textwrap.dedent('''
    import json, os, subprocess, sys, time
    fd = int(sys.argv[-1].split("=")[1])
    def send(**e): os.write(fd, (json.dumps(e) + "\\n").encode())
    pids = sys.argv[1]
    spawned = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"]) for _ in range(3)]
    if os.fork() == 0:                     # a daemon that escapes the process group
        os.setsid()
        if os.fork() == 0:
            with open(pids + ".daemon", "w") as f: f.write(str(os.getpid()))
            time.sleep(120)
        os._exit(0)
    with open(pids, "w") as f: f.write(" ".join(str(p.pid) for p in spawned))
    send(event="start", nodeid="t::a")
    MODE
''')


def _run_child(tmp_path, mode, **kw):
    script = CHILD.replace("MODE", mode)
    pids = tmp_path / "pids"
    run = sandbox.run_child([sys.executable, "-c", script, str(pids)], cwd=tmp_path,
                            env=dict(os.environ), **kw)
    time.sleep(0.2)
    spawned = [int(p) for p in pids.read_text().split()]
    daemon = int((tmp_path / "pids.daemon").read_text())
    return run, spawned + [daemon]


def _alive(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_budget_kills_the_whole_tree_daemons_included(tmp_path):
    started = time.monotonic()
    run, pids = _run_child(tmp_path, "time.sleep(120)", budget=2.5)
    assert time.monotonic() - started < 10
    assert run.ended_by == "budget" and run.stalled_on == "t::a"
    assert not [p for p in pids if _alive(p)], "processes survived the budget kill"


def test_a_test_that_stalls_is_cut_and_named(tmp_path):
    run, pids = _run_child(tmp_path, "time.sleep(120)", budget=60, stall=1.5)
    assert run.ended_by == "stall" and run.last_started == "t::a"
    assert not [p for p in pids if _alive(p)]


def test_children_left_after_a_normal_exit_are_killed(tmp_path):
    run, pids = _run_child(tmp_path, 'send(event="result", nodeid="t::a", outcome="passed"); '
                                     'send(event="done"); sys.exit(0)', budget=30)
    assert run.ended_by in ("exit", "done-timeout")
    assert [e["event"] for e in run.events] == ["start", "result", "done"]
    assert set(pids) <= set(run.killed)
    assert not [p for p in pids if _alive(p)]


def test_output_is_capped(tmp_path):
    script = ("import sys, os\nfd = int(sys.argv[-1].split('=')[1])\n"
              "sys.stdout.write('x' * 5_000_000)\nsys.stdout.flush()\n")
    run = sandbox.run_child([sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ),
                            budget=30)
    assert run.output_bytes >= 5_000_000
    assert len(run.output) < 40_000 and "cut" in run.output


# ------------------------------------------------------- whole-run behaviour

def _write(tmp_path, code) -> Path:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "consumer.py").write_text(textwrap.dedent(code))
    return folder


def test_a_crash_is_charged_to_its_test_and_the_rest_still_run(tmp_path):
    sub = _write(tmp_path, '''
        import os
        def process_all(items, handle, num_workers=3, queue_size=5):
            items = list(items)
            if len(items) == 20:
                os._exit(3)
            return {i: handle(x) for i, x in enumerate(items)}
    ''')
    grade = runner.grade(A1, sub, visibility="visible")
    by_name = {r.info.nodeid.split("::")[-1]: r for r in grade.tests}
    crashed = by_name["test_every_item_handled_once"]
    assert crashed.status == "crashed" and "exit code 3" in crashed.message
    assert by_name["test_empty_input"].passed          # ran in a fresh process afterwards
    assert grade.complete


def test_a_hang_reports_every_thread_trimmed_to_the_student_file(tmp_path):
    sub = _write(tmp_path, '''
        import threading
        def process_all(items, handle, num_workers=3, queue_size=5):
            stuck = threading.Event()
            worker = threading.Thread(target=stuck.wait, name="my-worker", daemon=True)
            worker.start()
            stuck.wait()
    ''')
    grade = runner.grade(A1, sub, visibility="visible", budget=60)
    first = grade.tests[0]
    assert first.status == "failed"
    assert "did not return within" in first.message
    assert "consumer.py:7 in process_all()" in first.message
    assert "stuck.wait()" in first.message and "waiting here" in first.message


def test_the_budget_cuts_a_hanging_submission_and_still_reports(tmp_path):
    sub = _write(tmp_path, '''
        def process_all(items, handle, num_workers=3, queue_size=5):
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
    ''')
    started = time.monotonic()
    grade = runner.grade(A1, sub, visibility="visible", budget=8)
    assert time.monotonic() - started < 8 + 8
    assert grade.score == 0 and grade.complete is False
    assert any("budget of 8 s ran out" in n for n in grade.notes)
    assert {r.status for r in grade.tests} <= {"failed", "not-run", "hung"}
    assert all(r.message for r in grade.tests)


def test_cli_exit_codes_and_results_file(tmp_path, capsys):
    assert cli.main(["grade", "99"]) == cli.EXIT_CANNOT_GRADE
    assert cli.main(["grade", "1", str(tmp_path / "nope")]) == cli.EXIT_CANNOT_GRADE
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "r" / "results.json"
    assert cli.main(["check", "1", str(empty), "--results", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["score"] == 0 and data["tests"]
    assert "no consumer.py" in data["tests"][0]["output"]
