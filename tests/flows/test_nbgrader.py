"""The nbgrader course, through the real nbgrader CLI (0.9.6, no mocks).

    build (python -m autograder nbgrader) -> nbgrader generate_assignment -> a student
    version that is the stub, hidden tests cleared -> submitted/<student>/<assignment>/
    -> nbgrader autograde (a real kernel runs the kit's grading engine) -> nbgrader export
    (CSV) and the gradebook: the reference full marks, the stub not, max = manifest points.

The kernel: a kernelspec named "python3" in a temporary JUPYTER_PATH whose argv is this
interpreter (the kit's .venv), so autograde's kernel imports the kit whatever kernels the
machine has. JUPYTER_CONFIG_DIR / DATA / RUNTIME and IPYTHONDIR point into tmp too (no user
config or startup file). PATH gets this interpreter's bin/: nbgrader runs `alembic` from
PATH when it creates a gradebook.
"""
from __future__ import annotations

import csv
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from autograder import manifest, runner
from autograder.instructor import nbgrader as nbcourse
from autograder.instructor.nbgrader import run as notebook_run

VENV_BIN = Path(sys.executable).parent
SUBSET = (5,)        # the process-pool one (the trap); the build test covers all seven


# --------------------------------------------------------------------------- helpers


def _jupyter_env(root: Path) -> dict[str, str]:
    spec = root / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (concurrency-kit)", "language": "python"}))
    env = dict(os.environ)
    env.update({
        "JUPYTER_PATH": str(root / "jupyter"),
        "JUPYTER_CONFIG_DIR": str(root / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(root / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(root / "jupyter-runtime"),
        "IPYTHONDIR": str(root / "ipython"),
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    return env


def _require_nbgrader() -> None:
    if importlib.util.find_spec("nbgrader") is None:
        pytest.fail("nbgrader is not installed in this Python: run `make setup-nbgrader` "
                    "(pip install -e '.[nbgrader]') and run the tests again")


def _nbgrader(course: Path, env: dict, *args: str, timeout: float = 600) -> str:
    _require_nbgrader()
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                         capture_output=True, text=True, timeout=timeout)
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "| ERROR]" not in output, (
        f"nbgrader {' '.join(args)} failed (exit {run.returncode}):\n{output[-6000:]}")
    return output


def _build(out: Path, numbers) -> None:
    spec = ",".join(str(n) for n in numbers)
    assert nbcourse.main(["--out", str(out), "--assignments", spec]) == 0


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _src(cell) -> str:
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def _answer_cell(nb: dict) -> dict:
    cells = [c for c in nb["cells"] if _meta(c).get("solution")]
    assert len(cells) == 1, "one answer cell per notebook"
    return cells[0]


def _grade_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if _meta(c).get("grade")]


def _reference_only_lines(assignment) -> set[str]:
    """Lines of the reference that the stub does not have: none may survive the release."""
    name = assignment.files[0]
    stub = {line.strip() for line in (assignment.folder / name).read_text().splitlines()}
    ref = {line.strip() for line in (assignment.reference_dir / name).read_text().splitlines()}
    return {line for line in ref - stub if len(line) > 10 and not line.startswith("#")}


# --------------------------------------------------------------------------- fast


def test_cli_refuses_unknown_assignment_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "course"
    assert nbcourse.main(["--out", str(out), "--assignments", "1,99"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "99" in err and "known:" in err
    assert not out.exists()


def test_silent_keeps_stderr_and_warnings_out_of_the_cell(capfd):
    """What keeps a grading cell at full marks: nothing reaches stderr while grading."""
    with notebook_run._silent() as captured:
        print("python-level", file=sys.stderr)
        os.write(2, b"fd-level\n")
        warnings.warn("a warning", stacklevel=2)
        subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('child\\n')"])
    out, err = capfd.readouterr()
    assert err == ""
    text = "".join(captured)
    assert "python-level" in text and "fd-level" in text and "child" in text


def test_the_notebooks_import_the_grader_by_its_lasting_name():
    """The first test cell imports NotebookGrader from autograder.instructor.nbgrader_course
    (notebooks built before the split too): that name is the grader run.py holds, and the
    command table's module builds the course."""
    a = manifest.get(5)
    nb = nbcourse.build_notebook(a, runner.expected_tests(a, "all"))
    first = _src(_grade_cells(nb)[0])
    match = re.search(r"^    from ([\w.]+) import NotebookGrader$", first, flags=re.M)
    assert match and match.group(1) == "autograder.instructor.nbgrader_course", first
    shim = importlib.import_module(match.group(1))
    assert shim.NotebookGrader is notebook_run.NotebookGrader is nbcourse.NotebookGrader
    assert shim.main is nbcourse.main


def test_every_assignment_builds_and_releases_as_its_stub(tmp_path):
    """All 7: nbgrader accepts the notebooks; the student version of the answer cell is the
    stub (after the %%writefile line and a blank one); hidden checks are gone; points add up."""
    env = _jupyter_env(tmp_path)
    course = tmp_path / "course"
    assignments = manifest.load()
    _build(course, [a.number for a in assignments])
    _require_nbgrader()
    import nbformat
    for a in assignments:
        name = nbcourse.notebook_name(a)
        source = _nb(course / "source" / name / f"{name}.ipynb")
        nbformat.validate(nbformat.from_dict(source))
        tests = runner.expected_tests(a, "all")
        cells = _grade_cells(source)
        assert [_meta(c)["points"] for c in cells] == [t.points for t in tests]
        assert sum(_meta(c)["points"] for c in cells) == a.points
        assert all(_meta(c)["locked"] and not _meta(c)["solution"] for c in cells)
        assert all(f"grader.check({t.nodeid!r})" in _src(c) for c, t in zip(cells, tests))
    _nbgrader(course, env, "generate_assignment", "*", "--force")
    config = (course / "nbgrader_config.py").read_text()
    assert 'c.ClearSolutions.code_stub = {"python": ""}' in config
    timeout = int(re.search(r"c\.Execute\.timeout = (\d+)", config).group(1))
    assert timeout > max(a.budget for a in assignments)
    for a in assignments:
        name = nbcourse.notebook_name(a)
        release = _nb(course / "release" / name / f"{name}.ipynb")
        stub = (a.folder / a.files[0]).read_text()
        answer = _src(_answer_cell(release))
        assert answer == nbcourse.released_answer(a.files[0], stub), name
        code = {line.strip() for c in release["cells"] if c["cell_type"] == "code"
                for line in _src(c).splitlines()}
        solution_lines = _reference_only_lines(a)
        assert len(solution_lines) >= 5, f"{name}: too little reference-only code to check"
        leaked = solution_lines & code
        assert not leaked, f"{name}: reference code in the student version: {sorted(leaked)[:5]}"
        assert "SOLUTION" not in json.dumps(release) and "HIDDEN TESTS" not in json.dumps(release)
        tests = runner.expected_tests(a, "all")
        for cell, t in zip(_grade_cells(release), tests):
            shown = f"grader.check({t.nodeid!r})" in _src(cell)
            assert shown == (t.visibility == "visible"), (name, t.nodeid)
            assert t.name in _src(cell)                    # the comment says what it tests
        first = _src(_grade_cells(release)[0])
        assert 'visibility="visible"' in first and 'visibility="all"' not in first
        assert (course / "release" / name / "hints.md").read_text() == \
            (a.folder / "hints.md").read_text()


# --------------------------------------------------------------------------- slow: autograde


# The autograded course is built once per worker: keep its tests on one (pytest-xdist).
pytestmark = pytest.mark.xdist_group("nbgrader")


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """Assignment 5 built, released, submitted by three students, autograded, exported.

    alice_reference: the student version with the reference pasted under %%writefile
    bob_stub:        the student version untouched (the stub)
    carol_noisy:     (assignment 5) the reference printing to stderr and warning, at import
                     and in every call
    """
    root = tmp_path_factory.mktemp("nbgrader")
    env = _jupyter_env(root)
    course = root / "course"
    _build(course, SUBSET)
    _nbgrader(course, env, "generate_assignment", "*", "--force")
    for number in SUBSET:
        a = manifest.get(number)
        name = nbcourse.notebook_name(a)
        release = _nb(course / "release" / name / f"{name}.ipynb")
        reference = (a.reference_dir / a.files[0]).read_text()
        noisy = reference.replace(
            "import math\n",
            "import math\nimport sys, warnings\nprint('noise at import', file=sys.stderr)\n"
            "warnings.warn('a warning at import')\n", 1).replace(
            "    if n_items < 0:\n",
            "    print('noise in crunch', file=sys.stderr)\n    warnings.warn('a warning')\n"
            "    if n_items < 0:\n", 1)
        versions = {"alice_reference": reference, "bob_stub": None}
        if number == 5:
            assert noisy.count("noise") == 2
            versions["carol_noisy"] = noisy
        for student, code in versions.items():
            nb = json.loads(json.dumps(release))
            if code is not None:
                _answer_cell(nb)["source"] = f"%%writefile {a.files[0]}\n{code}"
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True)
            (folder / f"{name}.ipynb").write_text(json.dumps(nb))
    for number in SUBSET:
        _nbgrader(course, env, "autograde", nbcourse.notebook_name(manifest.get(number)),
                  timeout=900)
    _nbgrader(course, env, "export", "--to", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="") as fh:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(fh)}
    return course, rows


def _autograded(course: Path, student: str, number: int) -> dict:
    name = nbcourse.notebook_name(manifest.get(number))
    return _nb(course / "autograded" / student / name / f"{name}.ipynb")


def _stdout(cell) -> str:
    return "".join("".join(o["text"]) if isinstance(o["text"], list) else o["text"]
                   for o in cell.get("outputs", [])
                   if o["output_type"] == "stream" and o["name"] == "stdout")


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("number", SUBSET)
def test_export_reference_full_stub_not_max_is_manifest(graded_course, number):
    course, rows = graded_course
    a = manifest.get(number)
    name = nbcourse.notebook_name(a)
    ref, stub = rows[(name, "alice_reference")], rows[(name, "bob_stub")]
    for row in (ref, stub):
        assert float(row["max_score"]) == a.points
    assert float(ref["score"]) == a.points, _failures(course, "alice_reference", number)
    assert float(stub["score"]) < a.points
    if number == 5:
        noisy = rows[(name, "carol_noisy")]
        assert float(noisy["score"]) == a.points, _failures(course, "carol_noisy", number)


def _failures(course: Path, student: str, number: int) -> str:
    nb = _autograded(course, student, number)
    lines = []
    for c in _grade_cells(nb):
        for o in c.get("outputs", []):
            if o["output_type"] == "error" or o.get("name") == "stderr":
                text = o.get("traceback") or o.get("text")
                lines.append(f"--- {_meta(c)['grade_id']}: "
                             + "\n".join(text if isinstance(text, list) else [text])[-800:])
    return "\n".join(lines) or "(no failing cell)"


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("number, student", [(5, "alice_reference"), (5, "bob_stub"),
                                             (5, "carol_noisy")])
def test_nbgrader_score_is_the_kits_score_cell_by_cell(graded_course, number, student):
    """Every test cell scored by nbgrader as the kit scored that test; no cell wrote to
    stderr; nbgrader's total is the total the kit printed in the first cell."""
    course, _ = graded_course
    from nbgrader.api import Gradebook
    a = manifest.get(number)
    name = nbcourse.notebook_name(a)
    nb = _autograded(course, student, number)
    cells = _grade_cells(nb)
    first = _stdout(cells[0])
    match = re.search(r"with every test \(visible and hidden\) of assignment \d+ .* "
                      r"([\d.]+)/([\d.]+) points", first)
    assert match, f"the first test cell did not report a full grading:\n{first}"
    kit_score, kit_max = float(match.group(1)), float(match.group(2))
    assert kit_max == a.points
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "concurrency-kit") as gb:
        total = 0.0
        for c in cells:
            gid = _meta(c)["grade_id"]
            score = gb.find_grade(gid, name, name, student).score
            total += score
            outputs = c.get("outputs", [])
            assert not [o for o in outputs if o.get("name") == "stderr"], f"{gid} wrote to stderr"
            failed = any(o["output_type"] == "error" for o in outputs)
            assert score == (0 if failed else _meta(c)["points"]), gid
            if not failed:
                assert re.search(r"^PASS ", _stdout(c), flags=re.M), gid
        assert total == kit_score == gb.find_submission(name, student).score


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_hidden_tests_restored_and_run_at_grading(graded_course):
    """The submitted notebooks had no hidden checks (student version); autograde put them
    back and ran them: the stub fails hidden tests the kit knows it fails."""
    course, _ = graded_course
    from nbgrader.api import Gradebook
    stub5 = _autograded(course, "bob_stub", 5)
    name = nbcourse.notebook_name(manifest.get(5))
    submitted = _nb(course / "submitted" / "bob_stub" / name / f"{name}.ipynb")
    hidden_check = "grader.check('tests/test_hidden.py::test_bad_arguments_other_values')"
    assert hidden_check not in json.dumps(submitted)
    assert hidden_check in json.dumps(stub5)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "concurrency-kit") as gb:
        def score(gid):
            return gb.find_grade(gid, name, name, "bob_stub").score
        # A sequential stub with no argument checks: these fail whatever the machine's load.
        assert score("test_hidden-test_bad_arguments_other_values") == 0
        assert score("test_visible-test_runs_in_several_processes") == 0
        assert score("test_visible-test_bad_arguments_raise_value_error-chunk_size_-5") == 0
        # ... and the reference passes them, hidden included, pools under spawn included.
        ref = {gid: gb.find_grade(gid, name, name, "alice_reference").score
               for gid in ("test_hidden-test_bad_arguments_other_values",
                           "test_hidden-test_max_workers_respected",
                           "test_visible-test_start_methods-spawn")}
        assert ref == {"test_hidden-test_bad_arguments_other_values": 1,
                       "test_hidden-test_max_workers_respected": 2,
                       "test_visible-test_start_methods-spawn": 1}
    failing = [c for c in _grade_cells(stub5) if any(o["output_type"] == "error"
                                                      for o in c.get("outputs", []))]
    shown = "\n".join("\n".join(o["traceback"]) for c in failing for o in c["outputs"]
                      if o["output_type"] == "error")
    # The kit's feedback, not a Python traceback, is what the student reads.
    assert "likely cause" in shown and "Traceback (most recent call last)" not in shown
