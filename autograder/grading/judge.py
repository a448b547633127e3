"""The judge's side of a graded test: the student's module as the tests see it, and the
guard that calls it, both talking to the worker (worker.py) instead of importing anything.

    student.process_all(items, handle)     -> a call in this test's worker process
    guard.call(student.process_all, ...)    the same, under a deadline: where every thread
                                            is stuck when it hangs, what it left running
                                            (from /proc), thread deaths (from the worker)

One Judge per pytest session starts the worker lazily, on the first test that needs the
student's code; each test gets a fresh process of it (`session_for`), closed at teardown.
"""
from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

from ..checks.feedback import Feedback
from ..checks.hygiene import Leaks
from . import crossing, procfs
from .observed import (MAIN_THREAD, Before, ThreadInfo, deaths_text, import_message,  # noqa: F401
                       leaks_since, snapshot, thread_stacks, where)
from .worker import ImportReport, Outcome, Session, SessionImportError, Worker, WorkerSpec


class StudentImportError(Exception):
    pass


@dataclasses.dataclass
class JudgeConfig:
    """How the runner asks for the worker (a JSON file, --ck-judge); run by hand with
    pytest, a worker without a jail."""

    submission: str
    module: str
    home: str
    prefix: list = dataclasses.field(default_factory=list)
    env: dict | None = None
    uid: int | None = None
    drop: bool = False
    python: str | None = None
    import_timeout: float = 10.0
    gil: bool | None = None            # the worker's interpreter, as interpreters.probe
    start_method: str | None = None    # found it (None: the judge's own, the same Python)

    @classmethod
    def load(cls, path: str) -> JudgeConfig:
        with open(path) as f:
            return cls(**json.load(f))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(dataclasses.asdict(self)))


class Judge:
    def __init__(self, config: JudgeConfig) -> None:
        self.config = config
        self.worker: Worker | None = None
        self.report: ImportReport | None = None
        self._error: StudentImportError | None = None

    def start(self) -> ImportReport:
        if self.report is None:
            c = self.config
            spec = WorkerSpec(submission=Path(c.submission), module=c.module, home=Path(c.home),
                              prefix=list(c.prefix), env=c.env, uid=c.uid, drop=c.drop,
                              import_timeout=c.import_timeout,
                              **({"python": c.python} if c.python else {}))
            self.worker = Worker(spec)
            self.report = self.worker.start()
            if not self.report.ok:
                self._error = StudentImportError(import_message(self.report, c))
        return self.report

    def session(self) -> Session:
        self.start()
        if self._error is not None:
            raise self._error
        try:
            return self.worker.session()
        except SessionImportError as failed:
            raise StudentImportError(import_message(failed.report, self.config)) from None

    def close(self) -> None:
        if self.worker is not None:
            self.worker.kill()

    def python_facts(self):
        """The worker's interpreter as the grader knows it (interpreters.Facts): its GIL
        and start method, from running it, not from the student's process."""
        from ..interpreters import facts
        return facts(self.config.gil, self.config.start_method)


def default_config(submission: Path, module: str) -> JudgeConfig:
    """A worker for `pytest assignments/<slug>/tests` run by hand: no jail."""
    home = Path(tempfile.mkdtemp(prefix="ck-worker-"))
    return JudgeConfig(submission=str(submission), module=module, home=str(home))


# ---------------------------------------------------------------- the module

class RemoteFunction:
    """A function of the student's module; calling it calls it in the test's process."""

    def __init__(self, session: Session, name: str, signature: str = "") -> None:
        self.session = session
        self.__name__ = self.__qualname__ = name
        self.signature = signature

    def __call__(self, *args, **kwargs):
        outcome = self.session.call(self.__name__, args, kwargs)
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def __repr__(self) -> str:
        return f"<your function {self.__name__}{self.signature}>"


class RemoteModule:
    def __init__(self, session: Session, report: ImportReport, name: str) -> None:
        self._session = session
        self._report = report
        self.__name__ = name

    def __getattr__(self, name: str):
        if name.startswith("__") or name not in self._report.functions:
            raise AttributeError(name)
        return RemoteFunction(self._session, name, self._report.functions[name])

    def fresh(self) -> RemoteModule:
        """The module in a new process of its own, imported afresh (a timed round that must
        find nothing an earlier round left in memory); it dies with the test."""
        session = self._session.worker.session()
        self._session.extra_sessions.append(session)
        if self._session.start_method:          # the test's start method (fork_by_default)
            session.configure(start_method=self._session.start_method)
        return RemoteModule(session, self._report, self.__name__)

    @property
    def session(self) -> Session:
        return self._session

    def start_method(self, method: str):
        """The default start method of the test's process (fork, spawn, forkserver)."""
        return _StartMethod(self._session, method)


class _StartMethod:
    def __init__(self, session: Session, method: str) -> None:
        self.session, self.method = session, method

    def __enter__(self):
        self.session.configure(start_method=self.method)
        return self

    def __exit__(self, *exc):
        return False


# --------------------------------------------------------------------- guard

class RemoteGuard:
    """guard.call(student.fn, ..., deadline=5) for the judge: the call runs in the test's
    worker process; the guard measures it on the judge's clock and reads what it left
    behind from /proc."""

    def __init__(self, feedback: Feedback, session_of) -> None:
        self.feedback = feedback
        self._session_of = session_of          # () -> the test's Session
        self.before: Before | None = None
        self.elapsed: float | None = None
        self.started_at: float | None = None
        self.returned_at: float | None = None
        self.session: Session | None = None

    def call(self, fn, *args, deadline: float = 5.0, what: str | None = None,
             hang_cause: str | None = None, progress=None, **kwargs):
        __tracebackhide__ = True
        from ..plugin import HANG_CAUSE
        if not isinstance(fn, RemoteFunction):
            raise TypeError(f"guard.call() calls the student's functions, not {fn!r}")
        what = what or f"{fn.__name__}()"
        session = self.session = fn.session
        self.before = snapshot(session)
        outcome: Outcome = session.call(fn.__name__, args, kwargs, timeout=deadline)
        self.started_at, self.returned_at = outcome.started, outcome.returned
        self.elapsed = outcome.elapsed
        if not outcome.finished:
            fresh = procfs.threads(session.pid) - self.before.threads
            stuck = where(session, fresh)
            cause = hang_cause or HANG_CAUSE
            died = deaths_text(session)
            if died:
                cause = ("a thread died with an exception, so the work it owed never got done "
                         "(the lesson's 'Handle exceptions: Always wrap worker functions in "
                         "try/except'):\n" + died)
            headline = f"{what} did not return within {deadline:g} s: it hangs."
            got = ""
            if progress is not None:
                try:
                    got = str(progress() or "")
                except Exception:  # noqa: BLE001 - a count is a bonus, never a failure
                    got = ""
            if got:
                headline = f"{got}: {what} did not return within {deadline:g} s (it hangs)."
            self.feedback.fail(headline,
                               measured=f"still running after {deadline:g} s"
                                        + (f"; {got}" if got else ""),
                               expected="returns as soon as the work is done",
                               cause=cause, where=stuck)
        if outcome.error is not None:
            raise outcome.error
        found = crossing.aliens(outcome.value)
        if found:
            self.feedback.fail(f"{what} returned {found[0].describe()}.",
                               measured=f"an object of class {found[0].type_name}",
                               expected="plain built-in values (dict, list, int, str...)",
                               cause="return the built-in type itself, e.g. dict(result) or "
                                     "list(result), not an object of a class you wrote")
        return outcome.value

    def where(self) -> str:
        """Where every thread of the test's process is now, the student's lines first."""
        return where(self.session or self._session_of())

    def leaks(self, grace: float = 0.25) -> Leaks:
        if self.before is None:
            raise RuntimeError("guard.leaks() before guard.call()")
        return leaks_since(self.session, self.before, grace=grace)

    def check_no_leaks(self, *, cause: str, expected: str = "nothing of yours still running",
                       grace: float = 0.25):
        __tracebackhide__ = True
        found = self.leaks(grace=grace)
        self.feedback.measure("threads still alive after return", len(found.threads), expected=0)
        self.feedback.measure("child processes still alive after return", len(found.processes),
                              expected=0)
        if found:
            self.feedback.fail(found.text(),
                               measured=f"{len(found.threads)} thread(s) and "
                                        f"{len(found.processes)} child process(es) of yours "
                                        f"alive {grace:g} s after the call returned",
                               expected=expected, cause=cause, where=found.thread_stacks or None)
        return found

    def cleanup(self) -> None:
        pass          # the test's process and everything it started die with the session
