"""What a side-by-side comparison holds, and how it is made: both gradings, the files.

    FileDiff        one of the assignment's files: the student's, the stub's, the reference's
    TestPair        one test, the student's result beside the reference's
    SideBySide      the whole comparison; the reports (text.py, html.py) only read it
    side_by_side()  read the files, grade both sides concurrently, build a SideBySide

The two gradings run at the same time (concurrently.run_all, one thread each calling
runner.grade()). Unified diffs are Python's difflib.unified_diff
(docs.python.org/3/library/difflib.html), the `--- from / +++ to / @@ -a,b +c,d @@`
format of GNU diff -u.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from ... import concurrently, reports, runner
from ...checks import timing
from ...manifest import Assignment
from ...reports import pts
from ...scoring import Grade, TestResult
from ...submission import stage


# ------------------------------------------------------------------ the data

@dataclasses.dataclass
class FileDiff:
    """One of the assignment's files: the student's copy, the stub's, the reference's."""

    name: str
    student: str | None          # None: missing from the submission
    stub: str | None
    reference: str | None
    found_as: str = ""           # where grading found it in the submission ("" if missing)
    missing_note: str = ""       # what the submission held instead, when missing

    def against(self, which: str) -> list[str]:
        """Unified diff lines (no line ends) from the stub or reference to the student's file."""
        other = self.stub if which == "stub" else self.reference
        if self.student is None or other is None:
            return []
        return list(difflib.unified_diff(
            other.splitlines(), self.student.splitlines(),
            fromfile=f"{which}/{self.name}", tofile=f"student/{self.name}", lineterm=""))

    def summary(self, which: str) -> str:
        """One line for when there is no diff to show (missing, identical)."""
        other = self.stub if which == "stub" else self.reference
        if self.student is None:
            what = self.missing_note or f"{self.name} is missing from the submission"
            return (f"{what}. Nothing to compare; every test that imports "
                    f"{Path(self.name).stem} failed for that reason.")
        if other is None:
            return f"the {which} has no {self.name} (the kit is incomplete)"
        if other == self.student:
            if which == "stub":
                return (f"{self.name} is identical to the stub: the student handed in the "
                        f"starting code unchanged.")
            return f"{self.name} is identical to the reference."
        return ""


@dataclasses.dataclass
class TestPair:
    """One test, both sides."""

    __test__ = False             # not a pytest test class, whatever its name says

    nodeid: str
    name: str
    visibility: str
    points: float
    student: TestResult | None
    reference: TestResult | None

    @property
    def differs(self) -> bool:
        s, r = self.student, self.reference
        if s is None or r is None:
            return True
        return s.status != r.status or s.score != r.score

    @property
    def function(self) -> str:
        """'tests/test_x.py::test_y[5]' -> 'test_y[5]'"""
        return self.nodeid.split("::")[-1]


@dataclasses.dataclass
class SideBySide:
    """A submission graded beside the reference, in one run."""

    assignment: Assignment
    student_path: str
    reference_path: str
    student: Grade
    reference: Grade
    started: datetime            # UTC, when both gradings started
    wall: float                  # seconds, both gradings together
    cpu: str                     # checks.timing.cpu_budget().describe()
    files: list[FileDiff]

    @property
    def pairs(self) -> list[TestPair]:
        """Every test, in the student's order; a test only the reference ran comes last."""
        ref = {t.info.nodeid: t for t in self.reference.tests}
        out = []
        for t in self.student.tests:
            out.append(TestPair(t.info.nodeid, t.info.name, t.info.visibility, t.info.points,
                                t, ref.pop(t.info.nodeid, None)))
        for t in ref.values():   # only if the two gradings collected different tests
            out.append(TestPair(t.info.nodeid, t.info.name, t.info.visibility, t.info.points,
                                None, t))
        return out

    @property
    def differing(self) -> list[TestPair]:
        return [p for p in self.pairs if p.differs]

    @property
    def lost(self) -> list[TestPair]:
        """The tests the student did not pass (what they were told is shown for these)."""
        return [p for p in self.pairs if p.student is not None and not p.student.passed]

    @property
    def measured(self) -> list[TestPair]:
        """The tests where either side measured something."""
        return [p for p in self.pairs if measurement_rows(p)]

    @property
    def reference_full_marks(self) -> bool:
        return self.reference.score == self.reference.max_score and self.reference.complete

    def how_graded(self) -> str:
        """When and how both were graded: one paragraph, for both reports."""
        return (f"Both graded in the same run, concurrently, started "
                f"{self.started:%Y-%m-%d %H:%M:%S} UTC (student {self.student.duration:.1f} s, "
                f"reference {self.reference.duration:.1f} s, {self.wall:.1f} s in all). Timed "
                f"tests have the machine to themselves (the machine-wide lock), so the two "
                f"sides' timed tests took turns and were measured interleaved, under the same "
                f"conditions.")

    def reference_warning(self) -> str:
        """The loud warning when the reference lost points ('' when it did not)."""
        if self.reference_full_marks:
            return ""
        lost = [t for t in self.reference.tests if not t.passed]
        names = "; ".join(f"{reports.STATUS_LABEL.get(t.status, t.status)} {t.info.name}"
                          for t in lost[:6])
        more = f" and {len(lost) - 6} more" if len(lost) > 6 else ""
        return (f"The REFERENCE solution scored {pts(self.reference.score)}/"
                f"{pts(self.reference.max_score)} in this run (lost: {names}{more}). "
                f"The reference earns full marks on a healthy machine, so this machine "
                f"(overloaded, throttled, too few CPUs: {self.cpu}) or the kit itself is "
                f"off, and the differences below may not be the student's fault. Re-run "
                f"when the machine is quiet; if the reference still loses points, run "
                f"`make test` and fix the kit before using this comparison.")


# ------------------------------------------------------------- building it

def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def _where(origin: Path | None, submitted: Path, unzipped: Path) -> str:
    """Where grading found the file: a path, or 'hw.zip: folder/file.py' inside a zip."""
    if origin is None:
        return ""
    try:
        return f"{submitted}: {origin.relative_to(unzipped)}"
    except ValueError:
        return str(origin)


def read_files(assignment: Assignment, path: str | os.PathLike) -> list[FileDiff]:
    """The student's files, found exactly as grading finds them (submission.stage).

    Raises SubmissionError for a path that cannot be graded at all.
    """
    with tempfile.TemporaryDirectory(prefix=f"ck-compare-{assignment.number}-") as tmp:
        staged = stage(assignment, path, Path(tmp) / "submission")
        out = []
        for name in assignment.files:
            copy = staged.folder / name
            origin = staged.found.get(name)
            missing = next((n for n in staged.notes if n.startswith(f"{name} is missing")
                            or (name in n and "not graded" in n)), "")
            out.append(FileDiff(
                name=name,
                student=_read(copy) if copy.is_file() else None,
                stub=_read(assignment.folder / name),
                reference=_read(assignment.reference_dir / name),
                found_as=_where(origin, Path(path), Path(tmp) / "submission-unzipped"),
                missing_note=missing))
        return out


def grade_both(assignment: Assignment, path: str | os.PathLike, *, budget: float | None = None,
               grade=None) -> tuple[Grade, Grade, datetime, float]:
    """Grade the submission and the reference at the same time, one thread each.

    Both run to the end whatever the other does; Ctrl-C cancels both (runner.grade's
    `cancel`) and is raised. Raises what the student's grading raised (SubmissionError,
    GraderError) first; a reference that cannot be graded is a GraderError (the kit is
    broken, not the submission).
    """
    grade = grade or runner.grade
    runner.expected_tests(assignment)   # collect once, before the threads share the cache
    cancel = threading.Event()          # set on Ctrl-C: the runner kills both children
    started = datetime.now(timezone.utc)
    t0 = time.monotonic()
    student, reference = concurrently.run_all(     # Ctrl-C: run_all cancels both
        [lambda: grade(assignment, path, budget=budget, cancel=cancel),
         lambda: grade(assignment, assignment.reference_dir, budget=budget, cancel=cancel)],
        cancel=cancel, name="ck-compare", stop_on_error=False)
    wall = time.monotonic() - t0
    if (error := student.exception()) is not None:
        raise error
    if (error := reference.exception()) is not None:
        raise runner.GraderError(
            f"the reference solution of assignment {assignment.number} "
            f"({assignment.reference_dir}) could not be graded, so there is nothing to "
            f"compare against: {error}") from error
    return student.result(), reference.result(), started, wall


def _display(path: str | os.PathLike) -> str:
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def side_by_side(assignment: Assignment, path: str | os.PathLike, *,
                 budget: float | None = None) -> SideBySide:
    """The submission at `path` and the reference, graded in one run, with their files."""
    files = read_files(assignment, path)          # fails fast, before any grading
    student, reference, started, wall = grade_both(assignment, path, budget=budget)
    return SideBySide(assignment=assignment, student_path=_display(path),
                      reference_path=_display(assignment.reference_dir),
                      student=student, reference=reference, started=started, wall=wall,
                      cpu=timing.cpu_budget().describe(), files=files)


# ------------------------------------------------------------ measurements

def _measured(result: TestResult | None) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for m in (result.measurements if result else []):
        out.setdefault(str(m["label"]), m)
    return out


def measurement_rows(pair: TestPair) -> list[tuple[str, str, str, str]]:
    """(label, student value, reference value, expected) for every label either side measured."""
    s, r = _measured(pair.student), _measured(pair.reference)
    out = []
    for label in list(dict.fromkeys([*s, *r])):
        sm, rm = s.get(label), r.get(label)
        expected = next((m.get("expected") for m in (sm, rm)
                         if m is not None and m.get("expected") is not None), None)
        out.append((label, "-" if sm is None else str(sm["value"]),
                    "-" if rm is None else str(rm["value"]),
                    "" if expected is None else str(expected)))
    return out


_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?(?:e-?\d+)?)\s*(s|sec|seconds|ms)\s*$", re.I)


def as_seconds(value) -> float | None:
    """'0.30 s', '1.234s', '12.3 ms' -> seconds; anything else (counts, '4.87x') -> None."""
    if not isinstance(value, str):
        return None
    m = _SECONDS.match(value)
    if not m:
        return None
    number = float(m.group(1))
    return number / 1000 if m.group(2).lower() == "ms" else number


def timings(comp: SideBySide) -> list[tuple[str, float | None, float | None]]:
    """What the chart shows: (label, student seconds, reference seconds).

    Every test's duration, and every measurement whose value is a time.
    """
    out = []
    for pair in comp.pairs:
        s, r = pair.student, pair.reference
        if (s and s.duration > 0) or (r and r.duration > 0):
            out.append((f"{pair.name} (whole test)", s.duration if s else None,
                        r.duration if r else None))
        sm, rm = _measured(s), _measured(r)
        for label in dict.fromkeys([*sm, *rm]):
            sv = as_seconds(sm[label]["value"]) if label in sm else None
            rv = as_seconds(rm[label]["value"]) if label in rm else None
            if sv is not None or rv is not None:
                out.append((f"{pair.name}: {label}", sv, rv))
    return out


# ------------------------------------------------- words both reports use

def secs(x: float | None) -> str:
    """A duration as the kit writes it ('1.016s', '302.0ms'), '-' for none."""
    return "-" if x is None else timing.seconds(x)


def duration(result: TestResult | None) -> str:
    return secs(result.duration if result else None)


def status_label(result: TestResult) -> str:
    return reports.STATUS_LABEL.get(result.status, result.status.upper())


def cut(text: str, width: int) -> str:
    """`text` on one line (runs of white space made one space), '...' where it is cut."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 3] + "..."
