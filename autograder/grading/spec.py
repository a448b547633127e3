"""What the judge asks of a worker and what comes back: the spec of a worker, the report
of its import, the outcome of a call, and the ways a worker fails (grading/worker.py
starts it, grading/session.py is one test's process)."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

OUTPUT_KEEP = 16 * 1024     # bytes of a test's printed output kept (head and tail)


class WorkerError(Exception):
    """The worker could not be started (not the submission's fault)."""


class WorkerDied(Exception):
    """The test's process ended in the middle of a call."""

    def __init__(self, code: int | None) -> None:
        self.code = code
        how = (f"signal {-code}" if code is not None and code < 0 else
               f"exit code {code}" if code is not None else "it is gone")
        super().__init__(
            f"The test process ended in the middle of this test ({how}): your code called "
            f"sys.exit()/os._exit(), killed its own process, or crashed the interpreter.")


class Garbled(Exception):
    """The worker wrote something that is not the runtime's protocol."""


class SessionImportError(Exception):
    """A test's process could not import the student's module (report says why)."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(report.kind)


class _ZygoteGone(Exception):
    pass


class _ImportHang(Exception):
    def __init__(self, report: ImportReport) -> None:
        self.report = report


@dataclasses.dataclass
class WorkerSpec:
    submission: Path                 # the folder holding the student's file
    module: str                      # the module to import
    home: Path                       # the worker's own folder (writable; in the jail)
    prefix: list[str] = dataclasses.field(default_factory=list)   # the jail's wrapping
    env: dict[str, str] | None = None
    python: str = sys.executable
    import_timeout: float = 10.0
    uid: int | None = None           # the jail's user: what the judge makes here is theirs
    drop: bool = False               # the zygote runs as root in the jail; each test's
                                     # process becomes `uid` (ckworker/limits.drop_to)


@dataclasses.dataclass
class ImportReport:
    ok: bool
    kind: str = ""                   # "", "syntax", "raised", "missing", "hang", "ended"
    error: BaseException | None = None
    syntax: dict | None = None
    stacks: str = ""                 # where the import was stuck (a hang)
    exit_code: int | None = None
    functions: dict[str, str] = dataclasses.field(default_factory=dict)
    tampered: list[str] = dataclasses.field(default_factory=list)
    output: str = ""
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Outcome:
    finished: bool
    value: object = None
    error: BaseException | None = None
    started: float = 0.0
    returned: float = 0.0

    @property
    def elapsed(self) -> float:
        return self.returned - self.started


def _now() -> float:
    from ..checks.timing import now
    return now()


def _keep(text: str) -> str:
    if len(text) <= OUTPUT_KEEP:
        return text
    half = OUTPUT_KEEP // 2
    return f"{text[:half]}\n[... {len(text) - OUTPUT_KEEP} characters of output cut ...]\n{text[-half:]}"


def read_output(path: Path) -> str:
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            if size <= OUTPUT_KEEP:
                data = f.read()
            else:
                head = f.read(OUTPUT_KEEP // 2)
                f.seek(size - OUTPUT_KEEP // 2)
                data = head + f"\n[... {size - OUTPUT_KEEP} bytes of output cut ...]\n".encode() + f.read()
    except OSError:
        return ""
    return data.decode("utf-8", "replace")
