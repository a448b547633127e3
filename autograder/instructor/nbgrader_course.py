"""`python -m autograder nbgrader --out DIR [--assignments 1,5]`: an nbgrader course of the kit.

    DIR/nbgrader_config.py            course id, how the student version is made, cell timeout
    DIR/README.md                     for the instructor: the nbgrader commands, the kernel
    DIR/source/<name>/<name>.ipynb    one notebook per assignment (name: ck01_fix_the_consumer)
    DIR/source/<name>/hints.md        released next to the notebook

Each notebook holds, in order:

1. a read-only markdown cell: how the notebook works, then the assignment's README.md;
2. the answer cell (nbgrader "autograded answer": solution, not graded). Its first line is
   `%%writefile consumer.py`, so running it writes a real module file next to the notebook.
   That is what the tests import, exactly as `make check` does, and it is what makes process
   pools work: a function defined in a notebook cell lives in the kernel's `__main__`, which
   workers started with spawn or forkserver cannot import, so they cannot unpickle it.
3. one "autograder tests" cell per graded test of the kit (visible and hidden), worth the
   test's points, so nbgrader's total is the manifest's points. The first one grades the file
   once with the kit's engine (`runner.grade`, sandboxed, under the assignment's budget) and
   caches the Grade; every cell then passes or raises with the kit's feedback for its test.
   Hidden tests sit between `### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS`: the student
   version shows a comment (name, points), `nbgrader autograde` puts the check back.

How nbgrader treats these cells, and the choices that follow (nbgrader 0.9.6):

* ClearSolutions replaces each line containing `BEGIN SOLUTION` with `code_stub` (indented like
  that line) and drops everything up to the `END SOLUTION` line; several regions per cell are
  allowed. Docs: https://nbgrader.readthedocs.io/en/stable/configuration/student_version.html
  (source: nbgrader/preprocessors/clearsolutions.py). The answer cell therefore has two
  regions: the first holds the reference and opens a string, the second closes it; the
  assignment's stub sits between them, inside that string in the instructor version and alone
  in the student version. With `ClearSolutions.code_stub = {"python": ""}` (set in
  nbgrader_config.py) the released cell is `%%writefile consumer.py`, one blank line, the stub.
* Cell metadata (schema_version 3: grade, solution, locked, grade_id, points):
  https://nbgrader.readthedocs.io/en/stable/contributor_guide/metadata.html
* Hidden tests ("Autograder tests" cells with hidden tests, removed by ClearHiddenTests and
  restored by autograde): https://nbgrader.readthedocs.io/en/stable/user_guide/creating_and_grading_assignments.html
* A test cell scores 0 when it has an `error` output *or any `stderr` stream output*, partial
  credit when its last expression's value is a number, full marks otherwise
  (nbgrader/utils.py: determine_grade). So the checks return None, print only on stdout,
  and grading runs with warnings ignored and stderr (Python's and file descriptor 2) captured.
* Autograde runs each cell under `Execute.timeout` seconds (default 30; FAQ "Does nbgrader
  protect against infinite loops?"): nbgrader_config.py sets it above the longest budget.
* The kernel is the notebook's kernelspec (`python3`), or `Execute.kernel_name` if set; it
  must be a Python that imports this kit (see the course README).
* `nbgrader export` writes CSV columns assignment, duedate, timestamp, student_id,
  last_name, first_name, email, raw_score, late_submission_penalty, score, max_score
  (nbgrader/plugins/export.py, docs: plugins/export-plugin).
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

from .. import KIT_ROOT, manifest
from ..manifest import Assignment

COURSE_ID = "concurrency-kit"
DEFAULT_OUT = "build/nbgrader"
EXIT_CANNOT = 2

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# Substrings nbgrader reacts to anywhere in a cell: they must not occur in kit texts we copy.
_DELIMITERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
               "AUTOTEST", "BEGIN MARK SCHEME", "END MARK SCHEME")

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class BuildError(Exception):
    """The course cannot be built as asked (says what to fix)."""


# --------------------------------------------------------------------------- naming


def notebook_name(assignment: Assignment) -> str:
    """The nbgrader assignment id and notebook name: ck01_fix_the_consumer."""
    rest = re.sub(r"^\d+_", "", assignment.slug)
    return f"ck{assignment.number:02d}_{rest}"


def grade_id(nodeid: str) -> str:
    """tests/test_hidden.py::test_x[5] -> test_hidden-test_x-5 (nbgrader ids: letters, digits, _ -)."""
    path, _, name = nodeid.partition("::")
    text = f"{Path(path).stem}-{name}"
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    if len(text) > 80:
        text = text[:70] + "-" + hashlib.sha1(nodeid.encode()).hexdigest()[:8]
    return text


def _pts(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


# --------------------------------------------------------------------------- cells


def _cell_id(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _meta(gid: str, *, grade: bool, solution: bool, locked: bool, points=None) -> dict:
    meta = {"grade": grade, "grade_id": gid, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _markdown(gid: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": _cell_id("md-" + gid),
            "metadata": _meta(gid, grade=False, solution=False, locked=True),
            "source": text}


def _code(gid: str, text: str, meta: dict) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": _cell_id("code-" + gid),
            "metadata": meta, "outputs": [], "source": text}


def _check_delimiters(text: str, where: str) -> None:
    for d in _DELIMITERS:
        if d in text:
            raise BuildError(f"{where} contains '{d}', which nbgrader treats as a marker; "
                             f"reword it before building the nbgrader course")


def answer_source(filename: str, stub: str, reference: str) -> str:
    """The answer cell of the instructor version (see the module docstring for the trick).

    Instructor version, as Python: the reference, then the stub inside a raw string.
    Student version (code_stub ""): `%%writefile <file>`, a blank line, the stub.
    """
    stub, reference = stub.rstrip("\n"), reference.rstrip("\n")
    quote = next((q for q in ("'''", '"""') if q not in stub), None)
    if quote is None:
        raise BuildError(f"the stub {filename} contains both ''' and \"\"\"; the answer cell "
                         f"keeps the stub in a raw string: use one kind of triple quote only")
    if stub.endswith("\\"):
        raise BuildError(f"the stub {filename} ends with a backslash; add a newline after it")
    return "\n".join([
        f"%%writefile {filename}",
        BEGIN_SOLUTION,
        reference,
        "",
        "",
        "# Instructor version: the reference above is what runs. The students' starting code",
        "# is kept below in a string; `nbgrader generate_assignment` removes the reference and",
        "# the quotes around it, so the student version of this cell is the starting code.",
        f"_STARTING_CODE = r{quote}",
        END_SOLUTION,
        stub,
        BEGIN_SOLUTION,
        quote,
        END_SOLUTION,
    ])


def released_answer(filename: str, stub: str) -> str:
    """What generate_assignment makes of answer_source() with code_stub "" (for tests/docs)."""
    return f"%%writefile {filename}\n\n{stub.rstrip(chr(10))}\n"


_NOTEBOOK_HOWTO = """\
> **How this notebook works**
>
> * The code cell below starts with `%%writefile {file}`: running it writes the cell to
>   `{file}` next to this notebook. Keep that first line. Edit the code in that cell and run
>   it again after every change.
> * The test cells after it run the course's graded tests on `{file}` (the same tests and
>   points as `make check` / `make grade`). The first test cell grades once (a few seconds
>   up to {budget:g} s) and the others report one test each: a test that passes prints
>   `PASS`, a test that fails shows what was measured and why. Run the cells in order
>   (Kernel > Restart & Run All).
> * Hidden tests appear as comments; they run when your notebook is graded.
> * Why a file and not a plain cell: the tests import your code as a module, as the grader
>   does. That matters for process pools: a function defined in a notebook cell lives in the
>   kernel's `__main__`, and pool workers started with `spawn` or `forkserver` (the default
>   on macOS and Windows, and on Linux from Python 3.14) cannot find it there, so the pool
>   fails to unpickle it. Functions in `{file}` are found by name. To try your code by hand,
>   use a new cell: `import importlib, {module}; importlib.reload({module})`, then call
>   `{module}.{function}(...)`.
"""


def _first_function(source: str) -> str:
    match = re.search(r"^def ([A-Za-z_]\w*)\(", source, flags=re.M)
    return match.group(1) if match else "..."


def _grader_setup(assignment: Assignment) -> str:
    slug = assignment.slug
    return "\n".join([
        f"# Grades {', '.join(assignment.files)} with the course's tests once; every test cell reports one test.",
        "try:",
        "    from autograder.instructor.nbgrader_course import NotebookGrader",
        "except ImportError as exc:",
        "    raise ImportError(\"this kernel cannot import the course's grader (the `autograder` package \"",
        "                      \"of concurrency-kit): run this notebook with the Python where the kit is \"",
        "                      \"installed (pip install -e <kit>), see the course README\") from exc",
        f"grader = NotebookGrader({slug!r}, visibility=\"visible\")",
        BEGIN_HIDDEN,
        f"grader = NotebookGrader({slug!r}, visibility=\"all\")  # grading: the hidden tests too",
        END_HIDDEN,
    ])


def build_notebook(assignment: Assignment, tests) -> dict:
    """The instructor (source) notebook of one assignment, as nbformat 4.5 JSON."""
    readme = (assignment.folder / "README.md").read_text(encoding="utf-8")
    _check_delimiters(readme, f"assignments/{assignment.slug}/README.md")
    cells = []
    files = list(assignment.files)
    howto = _NOTEBOOK_HOWTO.format(file=files[0], module=assignment.module,
                                   budget=assignment.budget,
                                   function=_first_function(
                                       (assignment.folder / files[0]).read_text(encoding="utf-8")))
    cells.append(_markdown("instructions", howto + "\n" + readme))
    for name in files:
        stub_path, ref_path = assignment.folder / name, assignment.reference_dir / name
        for p in (stub_path, ref_path):
            if not p.is_file():
                raise BuildError(f"{p} is missing: every file in the manifest needs a stub "
                                 f"under assignments/ and a solution under reference/")
        stub, reference = (p.read_text(encoding="utf-8") for p in (stub_path, ref_path))
        _check_delimiters(stub, str(stub_path.relative_to(KIT_ROOT)))
        _check_delimiters(reference, str(ref_path.relative_to(KIT_ROOT)))
        gid = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(name).stem) + "_code"
        cells.append(_code(gid, answer_source(name, stub, reference),
                           _meta(gid, grade=False, solution=True, locked=False)))
    if not any(t.visibility == "visible" for t in tests):
        raise BuildError(f"assignment {assignment.number} has no visible test: the first test "
                         f"cell, which students run, needs one")
    seen: set[str] = set()
    for i, t in enumerate(tests):
        gid = grade_id(t.nodeid)
        base, n = gid, 2
        while gid in seen:
            gid, n = f"{base}-{n}", n + 1
        seen.add(gid)
        check = f"grader.check({t.nodeid!r})"
        head = f"# {_pts(t.points)} point{'s' if t.points != 1 else ''}: {t.name}"
        if t.visibility == "visible":
            body = [head, check]
        else:
            body = [f"# Hidden test, {head[2:]}", "# It runs when your notebook is graded.",
                    BEGIN_HIDDEN, check, END_HIDDEN]
        if i == 0:
            body = [_grader_setup(assignment), ""] + body
        cells.append(_code(gid, "\n".join(body),
                           _meta(gid, grade=True, solution=False, locked=True,
                                 points=_pts(t.points))))
    return {"cells": cells,
            "metadata": {"kernelspec": dict(KERNELSPEC),
                         "language_info": {"name": "python", "file_extension": ".py",
                                           "mimetype": "text/x-python"}},
            "nbformat": 4, "nbformat_minor": 5}


# --------------------------------------------------------------------------- course files


_CONFIG = '''\
# nbgrader configuration of the concurrency-kit course (written by
# `python -m autograder nbgrader`; rebuilding the course overwrites this file).
c = get_config()

c.CourseDirectory.course_id = {course_id!r}

# The answer cell of each notebook keeps the starting code between two solution regions
# (see README.md): the regions must vanish without a trace, so the stub is empty. Any other
# notebook you add to this course gets an empty line, not "YOUR CODE HERE", in place of
# its solution regions.
c.ClearSolutions.code_stub = {{"python": ""}}

# The first test cell of a notebook runs the whole graded suite: up to the assignment's
# budget (longest here: {budget:g} s) plus start-up. nbgrader's default is 30 s per cell.
c.Execute.timeout = {timeout}

# The kernel autograde starts is the notebooks' kernelspec, "python3": it must be a Python
# where concurrency-kit is installed. Running nbgrader from the kit's .venv does that (the
# ipykernel "python3" spec uses nbgrader's own interpreter unless a kernelspec named python3
# elsewhere on the Jupyter path overrides it). To use a dedicated kernel instead:
#   <kit>/.venv/bin/python -m ipykernel install --user --name concurrency-kit
# c.Execute.kernel_name = "concurrency-kit"

# The exchange (nbgrader release_assignment / fetch_assignment / submit / collect) is not
# used: hand out release/<assignment>/ through your LMS or JupyterHub and put what students
# return under submitted/<student_id>/<assignment>/. To use nbgrader's exchange, set
# c.Exchange.root = "/srv/nbgrader/exchange"
'''


_README = '''\
# concurrency-kit as an nbgrader course

Built by `python -m autograder nbgrader` (or `make nbgrader`) from the kit at
`{kit}`. Rebuild after changing an assignment: nbgrader_config.py, this README and
source/ are overwritten; gradebook.db, release/, submitted/, autograded/ are not touched.

| assignment | notebook | points | test cells (hidden) | grading budget |
|---|---|---|---|---|
{table}

## The workflow

Run every command in this folder, with the kit's virtualenv first on PATH
(`source {kit}/.venv/bin/activate`): nbgrader runs `alembic` from PATH when it creates
gradebook.db ("No such file or directory: 'alembic'" otherwise), and its `python3` kernel
must import the kit (see Requirements).

```sh
nbgrader generate_assignment {first}   # release/{first}/: the student version
# hand out release/{first}/ (notebook + hints.md) through your LMS or JupyterHub;
# put each student's notebook back as submitted/<student_id>/{first}/{first}.ipynb
nbgrader autograde {first}             # runs every submitted notebook; the kit grades each
nbgrader generate_feedback {first}     # feedback/<student_id>/{first}/*.html
nbgrader export --to grades.csv        # assignment, student_id, ..., score, max_score
```

`nbgrader generate_assignment "*"` and `nbgrader autograde "*"` do every assignment.

## How a notebook is graded

* The answer cell starts with `%%writefile <file>.py`: running it writes the student's code
  to a real module next to the notebook. The first test cell grades that file with the kit's
  engine (`autograder.runner.grade`: a sandboxed child process, the assignment's budget and
  per-test timeout) and caches the result; each test cell passes or fails with the kit's
  feedback for one test and is worth that test's points, so nbgrader's total equals the
  manifest's and the score is the one `make grade` gives the same code.
* Why a file: process pools (assignments 3, 4, 5). Workers started with `spawn` or
  `forkserver` import the function they run by module and name; a function defined in a
  notebook cell lives in the kernel's `__main__`, which they cannot import, so the pool
  fails to unpickle it. A function in `crunch.py` is found as `crunch.<name>`.
* Hidden tests are wrapped in `### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS`: students
  see a comment with the test's name and points; `nbgrader autograde` restores the check.
  In the student version the first test cell grades with the visible tests only.
* nbgrader gives 0 to a test cell that writes anything to stderr: the test cells print only
  to stdout; warnings and stderr are captured while grading.
* The answer cell keeps the starting code between two solution regions (reference first,
  then the starting code inside a string), and `c.ClearSolutions.code_stub` is empty, so
  the student version is `%%writefile`, a blank line, and the starting code exactly.
  Solution regions in notebooks you add yourself become an empty line, not "YOUR CODE HERE".

## Requirements

* The kernel: autograde starts the notebooks' kernelspec, `python3`. The one ipykernel
  provides runs nbgrader's own interpreter, so running the kit's `.venv/bin/nbgrader` works,
  unless another kernelspec named `python3` is on your Jupyter path (`jupyter kernelspec
  list`). Then register the kit's Python (`{kit}/.venv/bin/python -m ipykernel install
  --user --name concurrency-kit`) and set `c.Execute.kernel_name = "concurrency-kit"` in
  nbgrader_config.py. The first test cell says so when it cannot import the grader.
* `c.Execute.timeout` is {timeout} s (nbgrader's default is 30): a notebook is graded inside
  its first test cell, which can take up to the assignment's budget. Students who use
  nbgrader's Validate button need the same setting in their nbgrader config.
* Students need the kit installed in their Jupyter kernel to run the test cells.
'''


def write_course(out: Path, assignments: list[Assignment], *,
                 course_id: str = COURSE_ID) -> list[Path]:
    """Write the course into `out`; returns the files written."""
    from .. import runner  # collecting the tests starts a child pytest
    written = []
    rows = []
    notebooks = []
    for a in assignments:
        tests = runner.expected_tests(a, "all")
        total = sum(t.points for t in tests)
        if abs(total - a.points) > 1e-9:
            raise BuildError(f"assignment {a.number}: its tests are worth {total:g} points but "
                             f"the manifest says {a.points:g}; fix the @points markers or the "
                             f"manifest")
        notebooks.append((a, tests, build_notebook(a, tests)))
    out.mkdir(parents=True, exist_ok=True)
    for a, tests, nb in notebooks:
        name = notebook_name(a)
        folder = out / "source" / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.ipynb"
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
        hints = a.folder / "hints.md"
        if hints.is_file():
            (folder / "hints.md").write_text(hints.read_text(encoding="utf-8"), encoding="utf-8")
            written.append(folder / "hints.md")
        hidden = sum(t.visibility != "visible" for t in tests)
        rows.append(f"| {a.number}. {a.title} | `source/{name}/{name}.ipynb` | {a.points:g} | "
                    f"{len(tests)} ({hidden}) | {a.budget:g} s |")
    longest = max(a.budget for a in assignments)
    timeout = int(longest + 90)
    config = out / "nbgrader_config.py"
    config.write_text(_CONFIG.format(course_id=course_id, budget=longest, timeout=timeout),
                      encoding="utf-8")
    readme = out / "README.md"
    readme.write_text(_README.format(kit=KIT_ROOT, table="\n".join(rows),
                                     first=notebook_name(assignments[0]), timeout=timeout),
                      encoding="utf-8")
    return written + [config, readme]


def _select(spec: str | None) -> list[Assignment]:
    if not spec:
        return manifest.load()
    chosen = []
    for part in spec.split(","):
        part = part.strip()
        if part:
            a = manifest.get(part)
            if a not in chosen:
                chosen.append(a)
    if not chosen:
        raise BuildError(f"--assignments {spec!r} names no assignment")
    return sorted(chosen, key=lambda a: a.number)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m autograder nbgrader",
        description="Build an nbgrader course (source notebooks, nbgrader_config.py, README) "
                    "from the kit's assignments.")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"course folder (default {DEFAULT_OUT})")
    p.add_argument("--assignments", metavar="LIST",
                   help="comma-separated numbers or slugs (default: every assignment)")
    p.add_argument("--course-id", default=COURSE_ID, help=f"nbgrader course id (default {COURSE_ID})")
    args = p.parse_args(argv)
    from ..runner import GraderError
    try:
        assignments = _select(args.assignments)
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise BuildError(f"--out {out} exists and is not a folder")
        written = write_course(out, assignments, course_id=args.course_id)
    except (manifest.ManifestError, manifest.UnknownAssignment, BuildError, GraderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT
    except OSError as exc:
        print(f"error: cannot write the course into {args.out}: {exc}", file=sys.stderr)
        return EXIT_CANNOT
    names = ", ".join(notebook_name(a) for a in assignments)
    print(f"nbgrader course written to {out} ({len(written)} files): {names}")
    print(f"next: cd {out} && nbgrader generate_assignment {notebook_name(assignments[0])}"
          f"   (README.md there has the whole workflow)")
    return 0


# --------------------------------------------------------------------------- in the notebook


class TestFailed(AssertionError):
    """A graded test did not pass; shown in the notebook as the kit's feedback, no traceback."""
    __test__ = False

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        return str(self).splitlines()


_GRADES: dict[tuple, object] = {}    # (slug, folder, digest, visibility) -> Grade or TestFailed


@contextlib.contextmanager
def _silent():
    """Warnings off, sys.stderr and file descriptor 2 captured: nbgrader scores a test cell 0
    when anything reaches stderr. Yields a list that receives what was captured."""
    captured: list[str] = []
    buffer = io.StringIO()
    saved_fd = None
    tmp = None
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        tmp = tempfile.TemporaryFile()
        saved_fd = os.dup(2)
        os.dup2(tmp.fileno(), 2)
    except OSError:
        saved_fd = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.redirect_stderr(buffer):
                yield captured
    finally:
        if saved_fd is not None:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
        if tmp is not None:
            tmp.seek(0)
            data = tmp.read().decode("utf-8", "replace")
            tmp.close()
            if data.strip():
                captured.append(data)
        if buffer.getvalue().strip():
            captured.append(buffer.getvalue())


class NotebookGrader:
    """Grades the assignment's file(s) next to the notebook with the kit, once per content.

        grader = NotebookGrader("01_fix_the_consumer", visibility="visible")
        grader.check("tests/test_visible.py::test_empty_input")   # None, or raises TestFailed
    """

    def __init__(self, assignment: str | int, visibility: str = "visible",
                 folder: str | os.PathLike | None = None):
        self.assignment = manifest.get(assignment)
        if visibility not in ("visible", "all"):
            raise ValueError(f"visibility must be 'visible' or 'all', not {visibility!r}")
        self.visibility = visibility
        self.folder = Path(folder or os.getcwd()).resolve()

    def _files(self) -> list[Path]:
        return [self.folder / name for name in self.assignment.files]

    def _key(self) -> tuple:
        missing = [p.name for p in self._files() if not p.is_file()]
        if missing:
            raise TestFailed(
                f"{', '.join(missing)} is not next to this notebook ({self.folder}), so there is "
                f"nothing to grade. Run the code cell that starts with "
                f"`%%writefile {missing[0]}` (keep that first line), then the test cells.")
        digest = hashlib.sha256()
        for p in self._files():
            digest.update(p.read_bytes())
        return (self.assignment.slug, str(self.folder), digest.hexdigest(), self.visibility)

    def grade(self):
        """The kit's Grade for the file(s) as they are now (graded once per content)."""
        key = self._key()
        if key not in _GRADES:
            _GRADES[key] = self._run()
        result = _GRADES[key]
        if isinstance(result, TestFailed):
            raise result
        return result

    def _stale_note(self) -> str | None:
        """A file older than this kernel was not written by this run of the notebook."""
        try:
            import psutil
            started = psutil.Process().create_time()
        except Exception:  # psutil missing or no /proc: skip the note
            return None
        old = [p.name for p in self._files() if p.stat().st_mtime < started - 1]
        if not old:
            return None
        return (f"note: {', '.join(old)} was not written by this notebook's code cell in this "
                f"session (it is older than the kernel); what was graded is that file.")

    def _run(self):
        from .. import runner
        from ..submission import SubmissionError
        a = self.assignment
        what = "every test (visible and hidden)" if self.visibility == "all" else "the visible tests"
        stale = self._stale_note()
        try:
            with _silent() as stderr_text:
                grade = runner.grade(a, self.folder, visibility=self.visibility)
        except (runner.GraderError, SubmissionError, OSError) as exc:
            return TestFailed(
                f"The grader could not grade {', '.join(a.files)}: {exc}\n"
                f"This is a problem of the grading setup, not of the code: tell your instructor.")
        lines = [f"Graded {', '.join(a.files)} with {what} of assignment {a.number} "
                 f"({a.title}) in {grade.duration:.1f} s: {grade.score:g}/{grade.max_score:g} "
                 f"points."]
        if stale:
            lines.append(stale)
        lines += [f"note: {n}" for n in grade.notes]
        if stderr_text:
            lines.append("note: the grader wrote this to stderr (kept out of the test cells): "
                         + " | ".join(t.strip()[-500:] for t in stderr_text))
        print("\n".join(lines))
        return grade

    def check(self, nodeid: str) -> None:
        """Pass silently-ish (a PASS line on stdout) or raise TestFailed with the feedback."""
        from .. import reports
        grade = self.grade()
        result = next((r for r in grade.tests if r.info.nodeid == nodeid), None)
        if result is None:
            if self.visibility == "visible":
                raise TestFailed(f"{nodeid} is not among the visible tests of assignment "
                                 f"{self.assignment.number}: it runs when the notebook is graded.")
            raise TestFailed(
                f"{nodeid} is not a test of assignment {self.assignment.number} in the installed "
                f"kit ({KIT_ROOT}): this notebook was built from another version of the "
                f"kit. Rebuild the course (python -m autograder nbgrader) and regrade.")
        label = reports.STATUS_LABEL.get(result.status, result.status.upper())
        head = f"{label} {result.score:g}/{result.max_score:g}  {result.info.name}"
        body = reports.test_body(result)
        if result.passed:
            print("\n".join([head] + ["    " + line for line in body]))
            return None
        if result.output:
            body += ["", "What your code printed during this test (last lines):",
                     result.output[-1500:]]
        raise TestFailed("\n".join([head] + ["    " + line for line in body]))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
