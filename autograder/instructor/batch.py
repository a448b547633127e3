"""Grade a whole LMS download: `python -m autograder batch N PATH --out DIR`.

The pipeline, once per batch:

    lms.discover      find the submissions in the folder or .zip (Canvas, Moodle, plain)
    runner.grade      each one sandboxed, `--jobs` at a time; tests marked timing take the
                      machine lock (machine_lock.py), so they never run two at a time
                      while the untimed tests of several gradings share the cores
    DIR/<student>/    results.json (Gradescope format), feedback.txt, row.json, written
                      the moment that grading ends
    exports           grades.csv and the LMS files beside it (exports/)
    summary           graded, errors, mean, the distribution of scores

Every submission gets a row, whatever it did: a submission the grader cannot even stage
gets status "error" and 0 with the reason, and the batch goes on.

Resuming: a submission whose DIR/<student>/row.json matches its content, the kit and the
tests (a fingerprint) is not graded again. Stop a batch with Ctrl-C, run the same command
again, and it picks up where it stopped; `--fresh` regrades everything.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import shutil
import sys
import threading
import time
from pathlib import Path

from .. import interpreters, manifest, reports, runner
from . import exports, lms, sharding
from .progressbar import Progress
from .late import LatePolicy, LatePolicyError, penalise
from .summary import summary
from .rows import error_results, error_row, fingerprint, from_grade, from_json, to_json
from ..checks.timing import cpu_budget
from .records import GradeRow, Student, Unmatched
from ..files import atomic_write
from ..submission import SubmissionError

EXIT_CANNOT_GRADE = 2
WORK = ".work"                    # DIR/.work: the unpacked download
RESERVED = {WORK, "grades.csv", "canvas.csv", "moodle.csv", "junit.xml", "summary.txt",
            "unmatched.csv", "push-ledger.jsonl", "batch.json", "shard.json"}


# ------------------------------------------------------------------- the batch

@dataclasses.dataclass
class BatchResult:
    rows: list[GradeRow]
    unmatched: list[Unmatched]
    reused: int
    out: Path
    files: list[Path]
    warnings: list[str]
    interrupted: bool = False


def default_jobs() -> int:
    """Gradings at once: one per core we really have (cgroup quota included), at least 1."""
    return max(1, min(8, int(cpu_budget().effective)))


def folder_name(sid: str) -> str:
    """A student's folder under DIR: the id, unless a file of the batch has that name."""
    return sid if sid not in RESERVED else f"{sid}_"


def _student_dir(out: Path, student: Student) -> Path:
    return out / folder_name(student.id)


def run(assignment: manifest.Assignment, path: Path, out: Path, *, jobs: int | None = None,
        fresh: bool = False, budget: float | None = None, progress: bool = True,
        export_options: dict | None = None, stream=None, python=None,
        late: str | None = None, shard: tuple[int, int] | None = None) -> BatchResult:
    """Grade every submission of the download `path` into `out`: find them, reuse what an
    earlier run graded, grade the rest `jobs` at a time, then the exports and the
    summary (not after Ctrl-C: half a batch exports nothing). `late`: the late policy
    (default: the manifest's), applied to the exports, never to the saved rows. `shard`:
    (K, M), grade only the K-th of M parts of the download (sharding.py)."""
    policy = LatePolicy.parse(assignment.late if late is None else late)
    out.mkdir(parents=True, exist_ok=True)
    work = out / WORK
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    found = lms.discover(path, assignment, work)
    students = found.students
    if shard is not None:
        students = sharding.write_shard_json(out, assignment, found.students, shard)
    jobs = jobs or default_jobs()
    bar = Progress(len(students), stream=stream, enabled=progress, jobs=jobs)
    rows, todo = _reuse(students, assignment, out, bar, fresh=fresh, python=python)
    batch = _Batch(assignment, out, work, budget=budget, python=python)
    interrupted = batch.grade_all(todo, jobs, rows, bar)
    ordered = [rows[s.id] for s in students if s.id in rows]
    files: list[Path] = []
    warnings: list[str] = list(found.notes)
    if not interrupted:
        ordered = penalise(ordered, policy)
        more, notes = write_outputs(out, ordered, found.unmatched, assignment, policy,
                                    export_options, time.monotonic() - bar.started,
                                    reused=bar.reused, sandbox=batch.sandbox)
        files, warnings = more, warnings + notes
    return BatchResult(rows=ordered, unmatched=found.unmatched, reused=bar.reused, out=out,
                       files=files, warnings=warnings, interrupted=interrupted)


def write_outputs(out: Path, rows: list[GradeRow], unmatched: list[Unmatched],
                  assignment: manifest.Assignment, policy: LatePolicy, export_options,
                  elapsed: float, *, reused: int = 0, sandbox=()) -> tuple[list[Path], list[str]]:
    """batch.json, the exports, unmatched.csv and summary.txt of `rows` (a batch's, or the
    shards' that merge put together): the files written and the warnings to print."""
    write_batch_json(out, assignment, policy)
    result = exports.write_all(rows, assignment, out, **(export_options or {}))
    files = list(result.paths)
    if unmatched:
        files.append(_write_unmatched(out / "unmatched.csv", unmatched))
    text = summary(rows, unmatched, assignment, elapsed, reused=reused, sandbox=sandbox)
    atomic_write(out / "summary.txt", text + "\n")
    files.append(out / "summary.txt")
    return files, list(result.warnings)


BATCH_JSON = "batch.json"


def write_batch_json(out: Path, assignment: manifest.Assignment, policy: LatePolicy) -> None:
    """DIR/batch.json: what `push` needs from the batch (the assignment, its late policy)."""
    atomic_write(out / BATCH_JSON, json.dumps(
        {"assignment": assignment.number, "slug": assignment.slug, "points": assignment.points,
         "late": policy.spec}, indent=1) + "\n")


def batch_late(out: Path) -> str | None:
    """The late policy a batch in `out` ran with (batch.json), or None when it says none."""
    try:
        return json.loads((out / BATCH_JSON).read_text(encoding="utf-8")).get("late")
    except (OSError, ValueError, AttributeError):
        return None


def _reuse(students: list[Student], assignment: manifest.Assignment, out: Path, bar: Progress,
           *, fresh: bool, python) -> tuple[dict[str, GradeRow], list[tuple[Student, str]]]:
    """The rows an earlier run saved for unchanged submissions (none when `fresh`), and
    the (student, fingerprint) of those left to grade."""
    rows: dict[str, GradeRow] = {}
    todo: list[tuple[Student, str]] = []
    for s in students:
        fp = fingerprint(assignment, s, python)
        row = None if fresh else _saved_row(_student_dir(out, s) / "row.json", fp)
        if row is None:
            todo.append((s, fp))
            continue
        row.student = s
        rows[s.id] = row
        bar.step(row, reused=True)
    return rows, todo


def _saved_row(saved: Path, fp: str) -> GradeRow | None:
    """The row saved in `saved` if it was graded with the fingerprint `fp`."""
    if not saved.exists():
        return None
    try:
        data = json.loads(saved.read_text(encoding="utf-8"))
        if data.get("fingerprint") == fp:
            return from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        pass  # unreadable: grade again
    return None


@dataclasses.dataclass
class _Batch:
    """The gradings of one batch: each submission graded, its files written the moment
    it ends; Ctrl-C sets `stop`, and the gradings under way kill their children."""
    assignment: manifest.Assignment
    out: Path
    work: Path
    budget: float | None
    python: object
    stop: threading.Event = dataclasses.field(default_factory=threading.Event)
    sandbox: list[str] = dataclasses.field(default_factory=list)   # the layers gradings had

    def grade_all(self, todo: list[tuple[Student, str]], jobs: int, rows: dict[str, GradeRow],
            bar: Progress) -> bool:
        """Grade `todo`, `jobs` at a time, into `rows`; whether Ctrl-C interrupted it."""
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs,
                                                     thread_name_prefix="ck-batch")
        futures = {pool.submit(self.begin_and_grade, bar, s, fp): (s, fp) for s, fp in todo}
        try:
            with bar.ticking():
                self._collect(futures, rows, bar)
        except KeyboardInterrupt:
            self.stop.set()  # running gradings kill their children and return at once
            for f in futures:
                f.cancel()
            return True
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return False

    def begin_and_grade(self, bar: Progress, student: Student, fp: str) -> GradeRow:
        bar.begin(student.id)
        return self.grade_one(student, fp)

    def _collect(self, futures: dict, rows: dict[str, GradeRow], bar: Progress) -> None:
        """Each grading's row as it finishes (an error row saved as such)."""
        for fut in concurrent.futures.as_completed(futures):
            student, fp = futures[fut]
            try:
                row = fut.result()
            except KeyboardInterrupt:
                continue
            if row.status == "error":
                self.save_error(row, fp)
            rows[student.id] = row
            bar.step(row)

    def grade_one(self, student: Student, fp: str) -> GradeRow:
        """One submission graded and its files written; an error row when the grader
        could not grade it."""
        t0 = time.monotonic()
        try:
            grade = runner.grade(self.assignment, student.path, budget=self.budget,
                                 cancel=self.stop, python=self.python)
        except SubmissionError as exc:
            return error_row(student, self.assignment, f"could not read the submission: {exc}",
                             time.monotonic() - t0)
        except Exception as exc:  # the grader's fault, not the student's: say so, go on
            return error_row(student, self.assignment,
                             f"the grader failed on this submission ({type(exc).__name__}: "
                             f"{str(exc)[:500]}); grade it alone with `python -m autograder "
                             f"grade {self.assignment.number} {student.path}`",
                             time.monotonic() - t0)
        if self.stop.is_set():
            raise KeyboardInterrupt  # its children were killed under it: not a real result
        row = from_grade(student, grade)
        self.sandbox = self.sandbox or list(grade.sandbox)   # the machine's: alike for all
        where = _student_dir(self.out, student)
        where.mkdir(parents=True, exist_ok=True)
        reports.write_json(reports.gradescope(grade), where / "results.json")
        source = (str(student.path.relative_to(self.work))
                  if student.path.is_relative_to(self.work) else str(student.path))
        atomic_write(where / "feedback.txt", reports.text(grade, source=source, for_student=True,
                                                         notes=student.notes) + "\n")
        atomic_write(where / "row.json", json.dumps(to_json(row, fp), indent=1) + "\n")
        return row

    def save_error(self, row: GradeRow, fp: str) -> None:
        where = _student_dir(self.out, row.student)
        where.mkdir(parents=True, exist_ok=True)
        notes = "".join(f"submission: {note}\n" for note in row.student.notes)
        atomic_write(where / "feedback.txt",
                     f"Could not grade this submission: {row.message}\n{notes}")
        reports.write_json(error_results(row), where / "results.json")
        atomic_write(where / "row.json", json.dumps(to_json(row, fp), indent=1) + "\n")


def _write_unmatched(path: Path, unmatched: list[Unmatched]) -> Path:
    """unmatched.csv: what the download held that is no student's submission, and why."""
    import csv
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["path", "reason"])
        for u in unmatched:
            w.writerow([u.path, u.reason])
    return path


# ------------------------------------------------------------------------- CLI

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m autograder batch",
        description="Grade every submission of an LMS download (a folder or a .zip: Canvas, "
                    "Moodle, or one folder/file per student) and write grades.csv, the LMS "
                    "exports and each student's feedback under --out.")
    p.add_argument("assignment", help="assignment number or slug")
    p.add_argument("path", help="the download: a folder or a .zip")
    p.add_argument("--out", required=True, help="output folder (created; reused to resume)")
    p.add_argument("--jobs", type=int, default=None,
                   help="gradings at once (default: the CPUs this machine really has). Timed "
                        "tests never run two at a time whatever this is")
    p.add_argument("--fresh", action="store_true",
                   help="regrade everything (default: reuse the results of an earlier run "
                        "for submissions that did not change)")
    p.add_argument("--budget", type=float, default=None,
                   help="override the manifest's seconds per grading")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--python", metavar="PATH", default=None,
                   help="run the students' code under this CPython (3.10+; the tests stay on "
                        "the kit's): e.g. /usr/bin/python3.13, or one inside a chroot")
    p.add_argument("--canvas-template", metavar="CSV",
                   help="your Canvas gradebook export: canvas.csv fills its column")
    p.add_argument("--canvas-assignment-id", metavar="ID",
                   help="the Canvas assignment id (from its URL), for the column header")
    p.add_argument("--moodle-template", metavar="CSV",
                   help="the grading worksheet downloaded from Moodle: moodle.csv fills it")
    p.add_argument("--shard", metavar="K/M", default=None, type=sharding.parse_shard,
                   help="grade only the K-th of M parts of the download (1 <= K <= M): the "
                        "same discovery and ids in every part; `merge` puts the parts together")
    p.add_argument("--late", metavar="POLICY", default=None,
                   help="the late policy, e.g. '10%%/day, cap 50%%, grace 15m' or 'none' "
                        "(default: the manifest's); the exports keep the raw score beside")
    return p


class _CannotGrade(Exception):
    """What the command line asks for cannot be graded: said on stderr, exit status 2."""


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        assignment, path, out, options, python = _checked(args)
    except _CannotGrade as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_GRADE
    jobs = args.jobs or default_jobs()
    print(f"Grading {path} for assignment {assignment.number} ({assignment.title}), "
          f"{jobs} at a time; timed tests one at a time"
          + (f"; students' code under {python.describe()}" if python else "")
          + f". Results in {out}/", file=sys.stderr)
    try:
        result = run(assignment, path, out, jobs=jobs, fresh=args.fresh, budget=args.budget,
                     progress=not args.no_progress, export_options=options, python=python,
                     late=args.late, shard=args.shard)
    except SubmissionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_GRADE
    if result.interrupted:
        print(f"\ninterrupted: {len(result.rows)} submission(s) are done and saved. Run the "
              f"same command again to grade the rest (nothing done is graded twice).",
              file=sys.stderr)
        return 130
    print((out / "summary.txt").read_text(encoding="utf-8"), end="")
    for w in result.warnings:
        print(f"note: {w}")
    print("files: " + ", ".join(str(f) for f in result.files))
    return 0


def _checked(args):
    """(assignment, download, out, export options, python) from the command line, or
    _CannotGrade with the reason."""
    try:
        assignment = manifest.get(args.assignment)
    except (manifest.ManifestError, manifest.UnknownAssignment) as exc:
        raise _CannotGrade(exc) from None
    path = Path(args.path)
    if not path.exists():
        raise _CannotGrade(f"no such file or folder: {path}")
    options = _export_options(args)
    out = Path(args.out)
    if path.is_dir() and out.resolve().is_relative_to(path.resolve()):
        raise _CannotGrade(f"--out {out} is inside the download {path}: its results would be "
                           f"taken for a student's submission next time. Choose a folder "
                           f"outside it.")
    python = None
    if args.python:
        try:
            python = interpreters.probe(args.python, needs=interpreters.needs(assignment))
        except interpreters.InterpreterError as exc:
            raise _CannotGrade(exc) from None
    try:
        LatePolicy.parse(assignment.late if args.late is None else args.late)
    except LatePolicyError as exc:
        raise _CannotGrade(exc) from None
    return assignment, path, out, options, python


def _export_options(args) -> dict:
    """The LMS options given (exports.write_all's), the templates checked to exist."""
    options = {}
    for key in ("canvas_template", "canvas_assignment_id", "moodle_template"):
        value = getattr(args, key)
        if value:
            options[key] = Path(value) if key.endswith("template") else value
    for key in ("canvas_template", "moodle_template"):
        if key in options and not options[key].is_file():
            raise _CannotGrade(f"no such file: {options[key]}")
    return options
