"""Run time, in the notebook's kernel: NotebookGrader, what the test cells call when a
student runs them or `nbgrader autograde` executes the notebook.

    grader = NotebookGrader("01_fix_the_consumer", visibility="visible")
    grader.check("tests/test_visible.py::test_empty_input")   # None, or raises TestFailed

The first check grades the file(s) next to the notebook once with the kit's engine
(`runner.grade`: sandboxed, the assignment's budget and per-test timeout); the Grade is
kept per content, so every other cell reports its own test from it. nbgrader gives 0 to a
test cell with an error output or any stderr output: a check prints only on stdout,
raises TestFailed (shown as the kit's feedback, not a traceback) when its test did not
pass, and grading runs with warnings off and stderr captured (`_silent`).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
import tempfile
import warnings
from pathlib import Path

from ... import KIT_ROOT, manifest


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
        from ... import runner
        from ...submission import SubmissionError
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
        from ... import reports
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

