"""One notebook of the nbgrader course: the instructor (source) version of an assignment.

Each notebook holds, in order:

1. a read-only markdown cell: how the notebook works, then the assignment's README.md;
2. the answer cell (nbgrader "autograded answer": solution, not graded). Its first line is
   `%%writefile consumer.py`, so running it writes a real module file next to the notebook.
   That is what the tests import, exactly as `make check` does, and it is what makes process
   pools work: a function defined in a notebook cell lives in the kernel's `__main__`, which
   workers started with spawn or forkserver cannot import, so they cannot unpickle it.
3. one "autograder tests" cell per graded test of the kit (visible and hidden), worth the
   test's points, so nbgrader's total is the manifest's points. The first one grades the file
   once with the kit's engine (run.NotebookGrader: `runner.grade`, sandboxed, under the
   assignment's budget) and caches the Grade; every cell then passes or raises with the kit's
   feedback for its test. Hidden tests sit between `### BEGIN HIDDEN TESTS` /
   `### END HIDDEN TESTS`: the student version shows a comment (name, points),
   `nbgrader autograde` puts the check back.

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
  and grading runs with warnings ignored and stderr (Python's and file descriptor 2) captured
  (run.py).
* The kernel is the notebook's kernelspec (`python3`), or `Execute.kernel_name` if set; it
  must be a Python that imports this kit (see the course README).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ... import KIT_ROOT
from ...manifest import Assignment

# What the first test cell imports. Notebooks built by earlier versions of the kit import
# it from there too: the name stays, whatever module holds the class (run.py today).
GRADER_IMPORT = "from autograder.instructor.nbgrader_course import NotebookGrader"


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
        f"# Grades {', '.join(assignment.files)} with the course's tests once; "
        "every test cell reports one test.",
        "try:",
        f"    {GRADER_IMPORT}",
        "except ImportError as exc:",
        "    raise ImportError(\"this kernel cannot import the course's grader (the `autograder` package \"",
        "                      \"of concurrency-kit): run this notebook with the Python where the kit is \"",
        "                      \"installed (pip install -e <kit>), see the course README\") from exc",
        f"grader = NotebookGrader({slug!r}, visibility=\"visible\")",
        BEGIN_HIDDEN,
        f"grader = NotebookGrader({slug!r}, visibility=\"all\")  # grading: the hidden tests too",
        END_HIDDEN,
    ])


def _instructions(assignment: Assignment) -> dict:
    """The read-only first cell: how the notebook works, then the assignment's README."""
    readme = (assignment.folder / "README.md").read_text(encoding="utf-8")
    _check_delimiters(readme, f"assignments/{assignment.slug}/README.md")
    first = assignment.files[0]
    howto = _NOTEBOOK_HOWTO.format(file=first, module=assignment.module,
                                   budget=assignment.budget,
                                   function=_first_function(
                                       (assignment.folder / first).read_text(encoding="utf-8")))
    return _markdown("instructions", howto + "\n" + readme)


def _answer_cell(assignment: Assignment, name: str) -> dict:
    """The answer cell of one of the assignment's files: the reference, the stub kept."""
    stub_path, ref_path = assignment.folder / name, assignment.reference_dir / name
    for p in (stub_path, ref_path):
        if not p.is_file():
            raise BuildError(f"{p} is missing: every file in the manifest needs a stub "
                             f"under assignments/ and a solution under reference/")
    stub, reference = (p.read_text(encoding="utf-8") for p in (stub_path, ref_path))
    _check_delimiters(stub, str(stub_path.relative_to(KIT_ROOT)))
    _check_delimiters(reference, str(ref_path.relative_to(KIT_ROOT)))
    gid = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(name).stem) + "_code"
    return _code(gid, answer_source(name, stub, reference),
                 _meta(gid, grade=False, solution=True, locked=False))


def _test_cells(assignment: Assignment, tests) -> list[dict]:
    """One graded cell per test, worth its points; the first one sets up the grader."""
    if not any(t.visibility == "visible" for t in tests):
        raise BuildError(f"assignment {assignment.number} has no visible test: the first test "
                         f"cell, which students run, needs one")
    cells = []
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
    return cells


def build_notebook(assignment: Assignment, tests) -> dict:
    """The instructor (source) notebook of one assignment, as nbformat 4.5 JSON."""
    cells = [_instructions(assignment)]
    cells += [_answer_cell(assignment, name) for name in assignment.files]
    cells += _test_cells(assignment, tests)
    return {"cells": cells,
            "metadata": {"kernelspec": dict(KERNELSPEC),
                         "language_info": {"name": "python", "file_extension": ".py",
                                           "mimetype": "text/x-python"}},
            "nbformat": 4, "nbformat_minor": 5}
