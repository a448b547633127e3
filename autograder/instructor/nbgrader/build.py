"""Build time: the nbgrader course of the kit, written into one folder.

    python -m autograder nbgrader --out DIR [--assignments 1,5] [--course-id ID]

    DIR/nbgrader_config.py            course id, how the student version is made, cell timeout
    DIR/README.md                     for the instructor: the nbgrader commands, the kernel
    DIR/source/<name>/<name>.ipynb    one notebook per assignment (notebook.py; name:
                                      ck01_fix_the_consumer)
    DIR/source/<name>/hints.md        released next to the notebook

What nbgrader's settings here are for (nbgrader 0.9.6):

* Autograde runs each cell under `Execute.timeout` seconds (default 30; FAQ "Does nbgrader
  protect against infinite loops?"): nbgrader_config.py sets it above the longest budget,
  since the first test cell grades the whole notebook.
* `nbgrader export` writes CSV columns assignment, duedate, timestamp, student_id,
  last_name, first_name, email, raw_score, late_submission_penalty, score, max_score
  (nbgrader/plugins/export.py, docs: plugins/export-plugin).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ... import KIT_ROOT, manifest
from ...manifest import Assignment
from .notebook import BuildError, build_notebook, notebook_name

COURSE_ID = "concurrency-kit"
DEFAULT_OUT = "build/nbgrader"
EXIT_CANNOT = 2


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




def _notebooks(assignments: list[Assignment]) -> list[tuple[Assignment, list, dict]]:
    """(assignment, its tests, its notebook) for each, before anything is written."""
    from ... import runner  # collecting the tests starts a child pytest
    out = []
    for a in assignments:
        tests = runner.expected_tests(a, "all")
        total = sum(t.points for t in tests)
        if abs(total - a.points) > 1e-9:
            raise BuildError(f"assignment {a.number}: its tests are worth {total:g} points but "
                             f"the manifest says {a.points:g}; fix the @points markers or the "
                             f"manifest")
        out.append((a, tests, build_notebook(a, tests)))
    return out


def _write_source(out: Path, a: Assignment, tests, nb: dict) -> tuple[list[Path], str]:
    """source/<name>/: the notebook and hints.md; returns them and the README's table row."""
    name = notebook_name(a)
    folder = out / "source" / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    written = [path]
    hints = a.folder / "hints.md"
    if hints.is_file():
        (folder / "hints.md").write_text(hints.read_text(encoding="utf-8"), encoding="utf-8")
        written.append(folder / "hints.md")
    hidden = sum(t.visibility != "visible" for t in tests)
    row = (f"| {a.number}. {a.title} | `source/{name}/{name}.ipynb` | {a.points:g} | "
           f"{len(tests)} ({hidden}) | {a.budget:g} s |")
    return written, row


def write_course(out: Path, assignments: list[Assignment], *,
                 course_id: str = COURSE_ID) -> list[Path]:
    """Write the course into `out`; returns the files written."""
    notebooks = _notebooks(assignments)
    out.mkdir(parents=True, exist_ok=True)
    written, rows = [], []
    for a, tests, nb in notebooks:
        files, row = _write_source(out, a, tests, nb)
        written += files
        rows.append(row)
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
    from ...runner import GraderError
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

