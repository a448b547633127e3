"""Run time, inside Gradescope's container: grade <root>/submission into
<root>/results/results.json (what run_autograder starts: `python -m autograder gradescope
--run N`, from <root>/source).

Whatever happens, a valid results.json is left: a placeholder before grading starts (if
the grader is killed mid-way, run_autograder completes it with the log), the grade when
grading ends, or score 0 with the error and one 0-point row per expected test.

CPU: the grading reads the CPU really available (cgroup quota, affinity:
checks/timing.cpu_budget) and passes the quota to the graded tests (CK_CPU_QUOTA), which
then judge process-pool speedups on structural evidence when no speedup can be shown;
results.json's top-level output then tells the instructor which setting to raise.
"""
from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

from ... import __version__, manifest, paths
from .common import CPUS_FOR_SPEEDUP, DEFAULT_ROOT, ROOT_ENV, SETTING
from .extras import add_extras

STARTED = "started"      # extra_data.ck_state of the placeholder (run_autograder reads it)


def measured_cpus():
    """The CPU this run really has (cgroup v2/v1 quota on our own path, affinity)."""
    from ...checks import timing
    return timing.cpu_budget()


def cpu_note(assignment: manifest.Assignment, cpus) -> str | None:
    """The note for the instructor when the CPUs cannot show a process pool's speedup."""
    if cpus.effective >= CPUS_FOR_SPEEDUP or not assignment.cpu_speedup:
        return None
    return (f"Note for the instructor: this autograder ran with {cpus.describe()}. A process "
            f"pool's speedup needs {CPUS_FOR_SPEEDUP:g} CPUs to show, so the speedup tests "
            f"were judged on structural evidence (several worker processes did the work) "
            f"and no student loses points for the machine, but no speedup was really "
            f"measured. To measure it: on Gradescope, {SETTING}.")


def _rows(assignment: manifest.Assignment, output: str) -> list[dict]:
    """One 0-point row per expected test, when grading could not produce results."""
    from ... import runner
    try:
        tests = runner.expected_tests(assignment)
    except Exception:  # noqa: BLE001 - no rows is still a valid results.json
        return []
    return [{"name": t.name, "number": f"{assignment.number}.{i}", "score": 0.0,
             "max_score": t.points, "status": "failed", "output": output,
             "output_format": "text", "visibility": t.visibility,
             "extra_data": {"nodeid": t.nodeid}}
            for i, t in enumerate(tests, 1)]


def _failure(assignment, what: str, rows_output: str, state: str, started: float) -> dict:
    return {
        "score": 0.0,
        "execution_time": round(time.monotonic() - started, 2),
        "output": what,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": _rows(assignment, rows_output) if assignment is not None else [],
        "extra_data": {"ck_state": state},
    }


def _lock_away_tests() -> None:
    """In Gradescope's container (root, often without the namespaces bubblewrap needs),
    the graded child still runs as a user of its own: make the zip's test folders
    unreadable to it, so only the grader's scratch copy (whose hidden tests the child
    deletes once collected) is left to read."""
    from ... import jail
    if not jail.is_root():
        return
    for tests in paths.ASSIGNMENTS.glob("*/tests"):
        try:
            os.chmod(tests, 0o700)
        except OSError:
            pass


def _graded(assignment: manifest.Assignment, submission: Path, results: Path) -> None:
    """Grade the submission and write its results.json, with the notes that help."""
    from ... import reports, runner
    cpus = measured_cpus()
    if cpus.quota is not None and not os.environ.get("CK_CPU_QUOTA"):
        os.environ["CK_CPU_QUOTA"] = f"{cpus.quota:g}"   # the graded tests read it
    print(f"concurrency-kit {__version__}: assignment {assignment.number} "
          f"({assignment.slug}), engine {paths.ENGINE}")
    print(f"CPU: {cpus.describe()}")
    if not submission.is_dir():
        raise FileNotFoundError(f"Gradescope left no submission folder at {submission}")
    _lock_away_tests()
    grade = runner.grade(assignment, submission)
    data = reports.gradescope(grade)
    reason = None if grade.cannot_run else reports.shared_failure(grade)
    head = [f"Every test failed for the same reason:\n{reason}"] if reason else []
    note = cpu_note(assignment, cpus)
    data["output"] = "\n\n".join(head + [data["output"]] + ([note] if note else []))
    data["extra_data"] = {"ck_state": "graded", "cpus": cpus.describe()}
    add_extras(data, grade, assignment, results.parent.parent)
    reports.write_json(data, results)
    print(reports.text(grade, source=str(submission)))
    if note:
        print(note)


def _error(assignment, exc: Exception, results: Path, started: float) -> int:
    """results.json for a grading that failed: score 0, the error, 0-point rows."""
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    print(detail, file=sys.stderr)
    data = _failure(assignment,
                    f"The autograder could not grade this submission: "
                    f"{type(exc).__name__}: {exc}\nThis is a problem of the autograder, "
                    f"not a verdict on your code: please tell your instructor.",
                    f"Not graded: the autograder failed ({type(exc).__name__}: {exc}).",
                    "error", started)
    data["extra_data"]["traceback"] = detail[-4000:]
    try:
        from ...reports import write_json
        write_json(data, results)
    except Exception:  # noqa: BLE001 - run_autograder's fallback writes one
        return 1
    return 0


def grade(key: str, root: str | os.PathLike | None = None) -> int:
    """Grade <root>/submission into <root>/results/results.json (run_autograder's work)."""
    from ... import reports
    started = time.monotonic()
    root = Path(root or os.environ.get(ROOT_ENV) or DEFAULT_ROOT)
    results = root / "results" / "results.json"
    assignment = None
    try:
        assignment = manifest.get(key)
        # A placeholder first: if grading is killed mid-way, a valid file is still there.
        reports.write_json(_failure(
            assignment, "The autograder stopped before it finished grading (it was killed, "
            "or ran out of time or memory). This is not a verdict on your code: please tell "
            "your instructor.", "Not graded: the autograder stopped before this test ran.",
            STARTED, started), results)
        _graded(assignment, root / "submission", results)
        return 0
    except Exception as exc:  # noqa: BLE001 - whatever happened, Gradescope gets results
        return _error(assignment, exc, results, started)
