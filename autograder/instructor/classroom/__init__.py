"""GitHub Classroom: the autograding workflow of the template repository.

    workflow(assignments) -> the text of .github/workflows/classroom.yml

Classroom does not publish the file it generates; its shape is read off the files it
commits into students' repositories (name "Autograding Tests", on push and
repository_dispatch, the job run-autograding-tests, a step per grader, the reporter
last) and off the actions' own code:
  classroom-resources/autograding-command-grader src/main.js   the runner JSON (version 1,
      status, max_score, tests[name, status, score, message, test_code, filename,
      line_no, duration]) as base64 in the step's `result` output
  classroom-resources/autograding-grading-reporter src/main.js  each runner's
      `${runner.trim().toUpperCase()}_RESULTS` env, base64-decoded, JSON.parse'd; the job
      fails on a top-level status fail or error
  .../src/notify-classroom.js   "Points x/y": the sum of tests[].score over runners with a
      max_score, over the sum of those max_score
Here the grader of each step is the kit itself (`check N --format classroom`, the same
JSON), because the command grader gives all or nothing for a step and the kit's tests
each carry their own points. The templates are files beside this module.
"""
from __future__ import annotations

import json
import string
from pathlib import Path

from ... import __version__
from ...manifest import Assignment

TEMPLATES = Path(__file__).resolve().parent / "templates"
WORKFLOW = ".github/workflows/classroom.yml"


def step_id(a: Assignment) -> str:
    """The step's id, which names its env for the reporter (ASSIGNMENT-1_RESULTS)."""
    return f"assignment-{a.number}"


def _minutes(a: Assignment) -> int:
    """The step's timeout: the grading's own budget, doubled for the runner, in minutes."""
    return max(5, int(2 * a.budget // 60) + 1)


def workflow(assignments: list[Assignment]) -> str:
    step = string.Template((TEMPLATES / "step.yml").read_text(encoding="utf-8"))
    steps = "".join(step.substitute(
        name=json.dumps(f"Assignment {a.number}: {a.title}"), id=step_id(a),
        number=a.number, minutes=_minutes(a)) for a in assignments)
    env = "\n".join(f'        {step_id(a).upper()}_RESULTS: "${{{{steps.{step_id(a)}.outputs.result}}}}"'
                    for a in assignments)
    return string.Template((TEMPLATES / "classroom.yml").read_text(encoding="utf-8")).substitute(
        version=__version__, steps=steps.rstrip("\n"), env=env,
        runners=",".join(step_id(a) for a in assignments))
