"""GitHub Classroom for real: `student-release --git` of one assignment, then its
.github/workflows/classroom.yml run step by step as the runner would (bash -eo pipefail,
RUNNER_TEMP, GITHUB_OUTPUT, the reporter's env filled from the steps' outputs), and the
reporter's reading and sums (tests/standins/classroom_reporter.py, ported from its
source) on what came out: the stub's partial points, then full points once the student's
file is the reference."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from autograder import KIT_ROOT, manifest, runner
from flows.test_student_release import _env
from standins.classroom_reporter import report

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("student_release")]
A7 = manifest.get(7)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    out = tmp_path_factory.mktemp("classroom")
    built = subprocess.run([sys.executable, "-m", "autograder", "student-release", "--git",
                            "--assignments", "7", "--out", str(out)], cwd=KIT_ROOT,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    root = out / "concurrency-kit-student"
    return root, _env(tmp_path_factory.mktemp("home"))


def run_workflow(root, env, tmp) -> dict:
    """Every `run:` step in order, then the reporter step's env as the runner fills it."""
    flow = yaml.safe_load((root / ".github" / "workflows" / "classroom.yml").read_text())
    outputs: dict[str, dict[str, str]] = {}
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    for step in steps:
        if "run" not in step:
            continue
        github_output = tmp / f"{step.get('id', 'step')}.out"
        github_output.write_text("")
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=root, capture_output=True, text=True, timeout=600,
                              env=env | {"RUNNER_TEMP": str(tmp), "GITHUB_OUTPUT": str(github_output)})
        assert done.returncode == 0, (step["name"], done.stdout, done.stderr)
        outputs[step.get("id", "")] = dict(line.split("=", 1) for line in
                                           github_output.read_text().splitlines() if "=" in line)
    reporter = steps[-1]
    env = {name: re.sub(r"\$\{\{steps\.([\w-]+)\.outputs\.(\w+)\}\}",
                        lambda m: outputs[m[1]][m[2]], value)
           for name, value in reporter["env"].items()}
    return report(env, reporter["with"]["runners"])


def test_the_workflow_gives_the_stub_its_partial_points_and_a_fix_full(repo, tmp_path):
    root, env = repo
    assert (root / ".git").is_dir()
    visible = sum(t.points for t in runner.expected_tests(A7, "visible"))
    first = run_workflow(root, env, tmp_path)
    assert first.maximum == visible and 0 < first.total < visible, first
    assert first.failed == "Some tests failed."
    shutil.copy(A7.reference_dir / A7.files[0], root / "assignments" / A7.slug / A7.files[0])
    (tmp_path / "fixed").mkdir()
    fixed = run_workflow(root, env, tmp_path / "fixed")
    assert fixed.points == f"Points {visible:g}/{visible:g}" and fixed.failed is None, fixed
