"""The Makefile a newcomer types at: a misspelt variable stops it before anything runs
(instead of checking assignment 1), and a broken .venv is made again or explained.
Dry runs (`make -n`) and a throwaway folder: nothing here installs anything."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import KIT_ROOT
from autograder.instructor import release

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _make(*args: str, cwd: Path = KIT_ROOT, makefile: Path | None = None):
    """make as a person types it: not as a child of `make test`, whose MAKEFLAGS and
    MAKELEVEL (inherited through pytest) would make it a sub-make."""
    cmd = ["make", "--no-print-directory"] + (["-f", str(makefile)] if makefile else [])
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(cmd + list(args), cwd=cwd, capture_output=True, text=True, timeout=60,
                          env=env)


def test_a_make_started_by_another_make_does_not_check_what_it_inherits():
    """`make test PYTEST_ARGS=...` runs tests that run make: those inherit PYTEST_ARGS
    through MAKEFLAGS; a release Makefile that does not know it must still work."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS")}
    run = subprocess.run(["make", "--no-print-directory", "-n", "list", "COLOUR=1"], cwd=KIT_ROOT,
                         capture_output=True, text=True, timeout=60,
                         env={**env, "MAKELEVEL": "1"})
    assert run.returncode == 0, run.stderr


def test_a_misspelt_variable_stops_make_and_names_the_right_one():
    run = _make("-n", "check", "ASSIGMENT=2")
    assert run.returncode != 0
    assert "unknown variable ASSIGMENT: nothing was run" in run.stderr
    assert "did you mean ASSIGNMENT?" in run.stderr
    assert "autograder check" not in run.stdout          # the check was never started


def test_variables_make_knows_pass():
    run = _make("-n", "check", "ASSIGNMENT=2", "SUBMISSION=x.py", "HINT=1")
    assert run.returncode == 0, run.stderr
    assert "-m autograder check 2 x.py" in run.stdout


def test_an_unknown_variable_without_a_near_name_is_refused_too():
    run = _make("-n", "list", "ZEBRA=1")
    assert run.returncode != 0
    assert "unknown variable ZEBRA" in run.stderr and "did you mean" not in run.stderr


def test_the_student_release_knows_only_the_students_variables(tmp_path):
    student = tmp_path / "Makefile"
    student.write_text(release.student_makefile((KIT_ROOT / "Makefile").read_text()))
    ok = _make("-n", "check", "ASSIGNMENT=3", makefile=student)
    assert ok.returncode == 0, ok.stderr
    refused = _make("-n", "check", "SUBMISSIONS=class.zip", makefile=student)
    assert refused.returncode != 0 and "unknown variable SUBMISSIONS" in refused.stderr
    assert "SUBMISSIONS" not in refused.stderr.split("Variables make knows:")[1]


def _fake_kit(tmp_path: Path) -> Path:
    """A folder with the kit's Makefile and a pyproject.toml: enough for `make setup`."""
    shutil.copy(KIT_ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return tmp_path


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_a_venv_without_pip_is_made_again_and_a_missing_python3_venv_is_named(tmp_path):
    kit = _fake_kit(tmp_path)
    # What `python3 -m venv` leaves on Debian without python3-venv: a python, no pip.
    _script(kit / ".venv" / "bin" / "python", 'exit 1')
    # A Python whose venv module fails as Debian's does without python3-venv.
    debian = _script(kit / "py" / "python3", f'''
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  echo "The virtual environment was not created successfully because ensurepip is not"
  echo "available.  On Debian/Ubuntu systems, you need to install the python3-venv package"
  exit 1
fi
exec {sys.executable} "$@"''')
    run = _make("setup", f"PYTHON={debian}", cwd=kit)
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert ".venv has no pip (an earlier setup failed): making it again" in out
    assert "sudo apt install python3-venv" in out
    assert not (kit / ".venv").exists(), "a broken .venv must not be left for the next run"
    assert not (kit / ".venv.log").exists()


def test_setup_says_what_it_is_doing_before_the_long_install(tmp_path):
    kit = _fake_kit(tmp_path)
    run = _make("-n", "setup", cwd=kit)
    assert run.returncode == 0, run.stderr
    assert "first run only, about 15 s" in run.stdout


def test_student_release_git_makes_the_classroom_template():
    run = _make("-n", "student-release", "GIT=1")
    assert run.returncode == 0, run.stderr
    assert "-m autograder student-release --out dist --git" in run.stdout
    assert "--git" not in _make("-n", "student-release").stdout
