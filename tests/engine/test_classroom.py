"""The GitHub Classroom workflow of `make student-release --git`: the generated shape,
the reporter's env naming, and `check --format classroom` when nothing can be graded.
(flows/test_student_release.py runs the workflow's steps in a built release.)"""
from __future__ import annotations

import json
import subprocess
import sys

import yaml

from autograder import KIT_ROOT, manifest
from autograder.instructor import classroom


def test_workflow_is_the_shape_classroom_generates_with_a_step_per_assignment():
    chosen = manifest.load()[:3]
    flow = yaml.safe_load(classroom.workflow(chosen))
    assert flow["name"] == "Autograding Tests" and flow["on"] == ["push", "repository_dispatch"]
    assert flow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    job = flow["jobs"]["run-autograding-tests"]
    assert job["if"] == "github.actor != 'github-classroom[bot]'"
    steps = job["steps"]
    assert steps[0] == {"name": "Checkout code", "uses": "actions/checkout@v4"}
    graders = [s for s in steps if s.get("id", "").startswith("assignment-")]
    assert [s["id"] for s in graders] == ["assignment-1", "assignment-2", "assignment-3"]
    assert graders[0]["name"] == f"Assignment 1: {chosen[0].title}"
    assert "-m autograder check 1 --format classroom" in graders[0]["run"]
    assert '>> "$GITHUB_OUTPUT"' in graders[0]["run"] and "result=$(base64 -w0" in graders[0]["run"]
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"]["runners"] == "assignment-1,assignment-2,assignment-3"
    assert reporter["env"] == {f"ASSIGNMENT-{n}_RESULTS": f"${{{{steps.assignment-{n}.outputs.result}}}}"
                               for n in (1, 2, 3)}    # hyphens kept: the reporter only uppercases


def test_check_format_classroom_answers_json_when_it_cannot_grade(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "check", "1", str(tmp_path / "nope.py"),
                          "--format", "classroom"], cwd=KIT_ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2
    data = json.loads(run.stdout)
    assert data["status"] == "error" and data["max_score"] == 18
    assert "no such file or folder" in data["tests"][0]["message"]
    assert "no such file or folder" in run.stderr
