"""Grade one submission: stage it, learn the tests, run them sandboxed, score.

    grade(assignment, path) -> Grade

1. stage the submission's files into a scratch folder (submission.py), and stop at once,
   with one message, if they cannot run at all (empty, does not compile, none of the
   functions the tests call: precheck.py);
2. collect the graded tests in a child that imports no student code, so the grader
   knows what to expect before any student code runs;
3. run the tests in a child (sandbox.py) under the assignment's budget; when a child
   dies or hangs beyond its timeout, the test it was running scores 0 with the reason
   and the remaining tests run again in a fresh child, while the budget lasts;
4. score: expected tests x reported results (scoring.py).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from collections.abc import Callable, Collection

from . import KIT_ROOT, channel, jail, machine_lock, precheck, sandbox
from .interpreters import Interpreter
from .manifest import Assignment
from .scoring import Grade, TestInfo, score
from .submission import Staged, stage
from .textsafe import clean

STALL_GRACE = 6.0      # seconds past a test's timeout before the grader kills the child
MAX_RESTARTS = 20

_BOOT = ("import sys; sys.path.append(sys.argv.pop(1)); "
         "from autograder.sandbox import apply_limits; apply_limits(); import pytest; "
         "sys.exit(pytest.main(sys.argv[1:]))")


def _env(scratch: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TERM", "CK_CPU_QUOTA", "SYSTEMROOT",
            "CK_ASSUME_GIL", "CK_ASSUME_START_METHOD")   # interpreters.facts
    env = {k: os.environ[k] for k in keep if k in os.environ}
    tmp = scratch / "tmp"
    tmp.mkdir(exist_ok=True)
    env.update({
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "TMPDIR": str(tmp),
        "NO_COLOR": "1",
    })
    return env


def pytest_command(assignment: Assignment, scratch: Path, *, submission: Path | None,
                   visibility: str, extra: list[str], root: Path | None = None) -> list[str]:
    """The child's command line. `root`: the folder holding the assignment's stub and
    tests/ (default: the kit's own; a grading uses its scratch copy, see copy_tests)."""
    ini = scratch / "pytest.ini"
    if not ini.exists():
        ini.write_text("[pytest]\n")
    cmd = [sys.executable, "-I", "-c", _BOOT, str(KIT_ROOT),
           "-p", "autograder.plugin", "-p", "pytest_timeout", "-p", "no:cacheprovider",
           "-c", str(ini), "--rootdir", str(root or assignment.folder),
           "-q", "--no-header", "-p", "no:randomly",
           f"--timeout={assignment.test_timeout:g}",
           f"--ck-module={assignment.module}", f"--ck-visibility={visibility}",
           f"--ck-lesson={assignment.lesson}"]
    if submission is not None:
        cmd.append(f"--ck-submission={submission}")
    return cmd + extra


def copy_tests(assignment: Assignment, scratch: Path) -> Path:
    """Copy the assignment's stub(s) and tests/ into `scratch`/tests; returns the copy's
    root. The child runs this copy (the only one it can see inside the jail) and deletes
    the hidden test files once collected, before any student code runs (plugin --ck-scrub);
    so it is copied afresh for every child."""
    root = scratch / "tests" / assignment.folder.name
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(assignment.tests_dir, root / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in assignment.files:
        if (assignment.folder / name).is_file():
            shutil.copyfile(assignment.folder / name, root / name)
    return root


_COLLECT_CACHE: dict[tuple, list[TestInfo]] = {}


def _tests_fingerprint(assignment: Assignment) -> tuple:
    # The plugin decides what collection reports (points, visibility, timing...).
    plugin = Path(__file__).with_name("plugin")
    files = sorted(assignment.tests_dir.rglob("*.py")) + sorted(plugin.glob("*.py"))
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)


def _cache_file(key: tuple) -> Path:
    import hashlib
    from . import __version__
    digest = hashlib.sha256(repr((key, __version__, sys.version_info[:2])).encode()).hexdigest()[:20]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "concurrency-kit"
    return base / f"collect-{digest}.json"


def _load_cache(key: tuple) -> list[TestInfo] | None:
    """Collected tests from an earlier run with identical test files (saves a pytest start)."""
    try:
        data = json.loads(_cache_file(key).read_text())
        return [TestInfo(**t) for t in data]
    except (OSError, ValueError, TypeError):
        return None


def _save_cache(key: tuple, tests: list[TestInfo]) -> None:
    path = _cache_file(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps([dataclasses.asdict(t) for t in tests]))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home is fine: we collect again next time


class GraderError(Exception):
    """The grader itself could not run the tests (not the submission's fault)."""


class CollectionError(GraderError):
    pass


def expected_tests(assignment: Assignment, visibility: str = "all") -> list[TestInfo]:
    """The graded tests, learned by a child that never imports student code."""
    key = (assignment.slug, visibility, _tests_fingerprint(assignment))
    if key not in _COLLECT_CACHE:
        cached = _load_cache(key)
        if cached is not None:
            _COLLECT_CACHE[key] = cached
    if key in _COLLECT_CACHE:
        return _COLLECT_CACHE[key]
    with tempfile.TemporaryDirectory(prefix="ck-collect-") as tmp:
        scratch = Path(tmp)
        cmd = pytest_command(assignment, scratch, submission=None, visibility=visibility,
                             extra=["--collect-only", str(assignment.tests_dir)])
        run = sandbox.run_child(cmd, cwd=scratch, env=_env(scratch), budget=60)
    collected = [e for e in run.events if e["event"] == "collected"]
    if not collected or run.returncode not in (0, 5):
        raise CollectionError(
            f"could not collect the tests of assignment {assignment.number} "
            f"(exit {run.returncode}):\n{run.output[-3000:]}")
    tests = [TestInfo.from_event(t) for t in collected[-1]["tests"]]
    # Visible tests first: they are what students see in `make check`.
    tests.sort(key=lambda t: t.visibility != "visible")
    _COLLECT_CACHE[key] = tests
    _save_cache(key, tests)
    return tests


def _missing_reason(run: sandbox.ChildRun, nodeid: str, assignment: Assignment,
                    budget: float, caught: list[str] = ()) -> tuple[str, str]:
    if run.ended_by == "stall":
        return ("hung", f"This test hung so hard it ignored its {assignment.test_timeout:g} s "
                        f"timeout (a thread holding the interpreter, or code that catches the "
                        f"timeout); the grader stopped it after "
                        f"{assignment.test_timeout + STALL_GRACE:g} s.")
    if run.ended_by == "budget":
        return ("not-run", f"The grading budget of {budget:g} s ran out while this test was "
                           f"running; it scores 0.")
    code = run.returncode
    how = f"exit code {code}" if code is not None and code >= 0 else f"signal {-code if code else '?'}"
    if caught:  # a limit of the jail ended it (memory, processes)
        return ("crashed", f"The test process was stopped in the middle of this test ({how}). "
                           + " ".join(caught))
    return ("crashed", f"The test process ended in the middle of this test ({how}): your code "
                       f"called sys.exit()/os._exit(), killed its own process, or crashed the "
                       f"interpreter. The other tests were run again in a fresh process.")


def _distrust(why: str, spoiled: str | None, pending: list[str], reported: set,
              reasons: dict, notes: list[str]) -> None:
    """The child broke the results protocol (channel.audit): the test it concerns and every
    test after it score 0, and the whole grading is flagged."""
    advice = ("\nIf you meant to time or log your own code, keep a copy of your own "
              "(`from time import perf_counter`, a wrapper function in your module) and never "
              "assign to a module or a class you did not write." if "replaced" in why else "")
    hit = False
    for nodeid in pending:
        hit = hit or spoiled is None or nodeid == spoiled
        if hit and nodeid not in reported:
            reasons[nodeid] = ("failed", f"Not graded: {why}. A grading cannot trust a test "
                                         f"process after that, so this test and every later "
                                         f"one score 0.{advice}")
    notes.append(f"FLAGGED for an instructor: {why}. Tests from then on score 0.")


def judge_options(assignment: Assignment, scratch: Path, cell: jail.Jail,
                  staged: Staged, python: Interpreter | None = None) -> list[str]:
    """The judge's options: its worker's jail, folder and submission (a file only the
    grader can read)."""
    from .grading.judge import JudgeConfig
    home = cell.scratch
    config = JudgeConfig(submission=str(staged.folder), module=assignment.module,
                         home=str(home), prefix=cell.wrap([], user=False),
                         env=cell.env(_env(home)), uid=cell.uid, drop=cell.uid is not None,
                         import_timeout=assignment.test_timeout,
                         python=python.path if python is not None else None,
                         gil=python.gil if python is not None else None,
                         start_method=python.start_method or None if python is not None else None)
    path = scratch / "judge.json"
    config.save(path)
    os.chmod(path, 0o600)
    return [f"--ck-judge={path}"]


_LOCK_FD: list[int | None] = []


def _lock_fd() -> int | None:
    """This process's descriptor of the machine lock, opened once."""
    if not _LOCK_FD:
        _LOCK_FD.append(machine_lock.open_fd())
    return _LOCK_FD[0]


def grade(assignment: Assignment, path: str | os.PathLike | None, *,
          visibility: str = "all", budget: float | None = None,
          keep_scratch: bool = False, cancel: threading.Event | None = None,
          confined: bool = True, progress: Callable[[dict], None] | None = None,
          only: Collection[str] | None = None, python: Interpreter | None = None) -> Grade:
    """Grade `path` (folder, .py or .zip; None = the assignment's own folder).

    `cancel`: once set (a batch interrupted), the child is killed and grading stops; the
    Grade returned then is incomplete and must not be recorded.
    `confined`: run the child in the jail (jail.py) as far as the machine allows.
    `progress`: called with every event of the child as it arrives ("start", "result",
    ...), for a live display; the score never depends on it.
    `only`: grade these tests (nodeids) of the visibility's tests and no others (`make
    check` runs its tests in two gradings at once, student.grade_split).
    `python`: the interpreter the student's code runs under (interpreters.probe); None:
    the kit's own.
    """
    started = time.monotonic()
    budget = budget or assignment.budget
    expected = expected_tests(assignment, visibility)
    if only is not None:
        expected = [t for t in expected if t.nodeid in set(only)]
    scratch = Path(tempfile.mkdtemp(prefix=f"ck-grade-{assignment.number}-"))
    # The tests (the judge) run here as the grader; the student's code runs in a worker
    # confined to scratch/worker, its only folder (the rest of scratch: the tests' copy
    # and the worker's configuration, the grader's own).
    cell_dir = scratch / "worker"
    try:
        staged: Staged = stage(assignment, path if path is not None else assignment.folder,
                               cell_dir / "submission")
        shutil.rmtree(cell_dir / "submission-unzipped", ignore_errors=True)  # the rest of a zip
        why = precheck.cannot_run(assignment, staged.folder, python)
        if why is not None:
            return _not_runnable(assignment, expected, staged, why, visibility, started)
        grading = _Grading(assignment, scratch, staged, visibility=visibility, budget=budget,
                           started=started, cancel=cancel, progress=progress, python=python,
                           pending=[t.nodeid for t in expected], notes=list(staged.notes))
        with jail.confine(cell_dir, budget=budget, memory_mb=assignment.memory_mb,
                          enabled=confined, python=python) as cell:
            layers = cell.describe()
            os.chmod(scratch, 0o711)           # the worker's user reaches worker/, no more
            grading.run(cell)
        grading.never_ran()
        results = score(expected, grading.events, grading.reasons)
        return Grade(assignment=assignment.number, title=assignment.title, tests=results,
                     notes=[clean(n) for n in grading.notes],
                     duration=time.monotonic() - started, visibility=visibility,
                     waited=grading.waited, sandbox=layers)
    finally:
        if not keep_scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _not_runnable(assignment: Assignment, expected: list[TestInfo], staged: Staged, why: str,
                  visibility: str, started: float) -> Grade:
    """Every test 0, pointing at the one reason the file cannot run (precheck.py)."""
    file = assignment.files[0]
    reason = why.splitlines()[0][len(file) + 1:].split(":")[0].strip()   # "is empty", ...
    short = f"Not run: {file} {reason}, so no test could run (the message at the top says more)."
    results = score(expected, [], {t.nodeid: ("failed", short) for t in expected})
    return Grade(assignment=assignment.number, title=assignment.title, tests=results,
                 notes=[clean(n) for n in staged.notes], duration=time.monotonic() - started,
                 visibility=visibility, cannot_run=clean(why))


@dataclasses.dataclass
class _Grading:
    """One grading under way: what its rounds run with, and what they gathered. A round
    is one judge child on the tests still pending; when a child dies or hangs, the test
    it was running scores 0 with the reason and the next round runs the rest."""
    assignment: Assignment
    scratch: Path
    staged: Staged
    visibility: str
    budget: float
    started: float
    cancel: threading.Event | None
    progress: Callable[[dict], None] | None
    python: Interpreter | None
    pending: list[str]
    notes: list[str]
    events: list[dict] = dataclasses.field(default_factory=list)
    reasons: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    waited: float = 0.0        # time tests queued for the machine lock does not count
    restarts: int = 0

    def run(self, cell: jail.Jail) -> None:
        """Rounds while tests are pending, the budget lasts and nobody cancels."""
        while self.pending and self.restarts <= MAX_RESTARTS and \
                not (self.cancel and self.cancel.is_set()):
            left = self.budget - (time.monotonic() - self.started - self.waited)
            if left < 1.0:
                break
            run = self._judge(cell, left)
            if not self._take(run, cell.after_run()):
                break

    def _judge(self, cell: jail.Jail, left: float) -> sandbox.ChildRun:
        """One judge child on the pending tests, a fresh copy of them, `left` s at most."""
        root = copy_tests(self.assignment, self.scratch)
        tests = [str(root / n) for n in self.pending]
        os.chmod(root.parent, 0o700)
        options = judge_options(self.assignment, self.scratch, cell, self.staged, self.python)
        cmd = pytest_command(self.assignment, self.scratch, submission=self.staged.folder,
                             visibility=self.visibility, root=root,
                             extra=options + ["--ck-scrub"] + tests)
        return sandbox.run_child(cmd, cwd=self.scratch, env=_env(self.scratch), budget=left,
                                 stall=self.assignment.test_timeout + STALL_GRACE,
                                 lock_fd=_lock_fd(), cancel=self.cancel, signed=True,
                                 on_event=self.progress)

    def _take(self, run: sandbox.ChildRun, caught: list[str]) -> bool:
        """Believe what the round's child kept to the protocol for (channel.audit), give
        the test it died in its reason; whether another round should run."""
        self.notes += [n for n in caught if n not in self.notes]
        self.waited += run.waited
        believed, spoiled, why = channel.audit(run.events, self.pending, run.arrived)
        self.events += believed
        reported = {e.get("nodeid") for e in believed if e["event"] in ("result", "hung")}
        if why is not None:
            _distrust(why, spoiled, self.pending, reported, self.reasons, self.notes)
            self.pending = []
            return False
        culprit = run.last_started
        if culprit and culprit not in reported:
            self.reasons[culprit] = _missing_reason(run, culprit, self.assignment, self.budget,
                                                    caught)
            reported.add(culprit)
        if run.killed and run.ended_by in ("exit", "done-timeout"):
            self.notes.append(f"{len(run.killed)} process(es) your code started were still "
                              f"running after the tests ended; the grader killed them.")
        if run.ended_by == "budget":
            self.notes.append(f"The grading budget of {self.budget:g} s ran out; the tests that "
                              f"did not finish score 0.")
            return False
        if not run.events and run.ended_by == "exit":
            raise GraderError(f"the test process for assignment {self.assignment.number} "
                              f"exited (code {run.returncode}) before running any "
                              f"test:\n{run.output[-3000:]}")
        if not reported & set(self.pending):
            return False
        self.pending = [n for n in self.pending if n not in reported]
        self.restarts += 1
        return True

    def never_ran(self) -> None:
        """The tests still pending when the rounds stopped: the budget ran out first."""
        for nodeid in self.pending:
            self.reasons.setdefault(nodeid, (
                "not-run", f"This test did not run: the grading budget of {self.budget:g} s "
                           f"ran out before it started."))
