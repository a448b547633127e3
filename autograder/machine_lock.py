"""One machine, one timed test at a time.

A test marked `@pytest.mark.timing` measures wall-clock time. Two of them running at
once on a 2-core machine would each see half the machine and lie; an untimed test
running beside a timed one steals its cores too. So every graded test of every grading
on this machine takes this lock: timed tests exclusively, untimed tests shared. Many
untimed tests (from several gradings of a batch, or the kit's tests under pytest-xdist)
run side by side; a timed test waits for them to finish and then has the machine to
itself, and no untimed test starts while it runs or waits (writer priority).

The lock is a file with two POSIX record locks (fcntl): byte 0 is a turnstile, byte 1
the room. A timed test holds the turnstile while it waits for the room, so untimed tests
queue behind it instead of starving it. POSIX record locks belong to a process and are
not inherited across fork(): a worker process a student's pool forks never holds the
machine, and a process that dies releases its locks, so a killed grading cannot wedge
the others.

The grader opens the file and hands the graded child its descriptor (`--ck-lock-fd`);
outside the grader (a plain `pytest` run) there is no lock and nothing waits.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from collections.abc import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, tests simply do not wait
    fcntl = None

POLL = 0.01          # seconds between attempts (non-blocking, so a wait can be bounded)
MAX_WAIT = 900.0     # past this a test runs anyway, and says so


def default_path() -> Path:
    """Shared by every grading of this user on this machine."""
    override = os.environ.get("CK_MACHINE_LOCK")
    if override:
        return Path(override)
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"concurrency-kit-{uid}.machine.lock"


def open_fd(path: Path | None = None) -> int | None:
    """A descriptor of the lock file for a graded child (None where locking is unsupported)."""
    if fcntl is None:
        return None
    path = path or default_path()
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    os.set_inheritable(fd, False)  # passed on explicitly (pass_fds), never by accident
    return fd


def _try(fd: int, kind: int, start: int) -> bool:
    try:
        fcntl.lockf(fd, kind | fcntl.LOCK_NB, 1, start)
        return True
    except OSError:
        return False


def _unlock(fd: int, start: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, start)


@contextlib.contextmanager
def hold(fd: int | None, *, exclusive: bool, max_wait: float = MAX_WAIT) -> Iterator[dict]:
    """Hold the machine (exclusive) or a seat in it (shared) for the `with` block.

    Yields a dict that says {"waited": seconds, "locked": bool}; "locked" is False when
    there is no lock to take or the wait exceeded `max_wait`.
    """
    info = {"waited": 0.0, "locked": False}
    if fd is None or fcntl is None:
        yield info
        return
    t0 = time.monotonic()
    deadline = t0 + max_wait
    turnstile = room = False
    try:
        while time.monotonic() < deadline:
            if not turnstile:
                turnstile = _try(fd, fcntl.LOCK_EX, 0)
                if not turnstile:
                    time.sleep(POLL)
                    continue
            if _try(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH, 1):
                room = True
                break
            if not exclusive:
                # A shared holder never keeps the turnstile while it waits: it waits
                # only for a timed test, which holds the room, and then comes back.
                _unlock(fd, 0)
                turnstile = False
            time.sleep(POLL)
    finally:
        if turnstile:
            _unlock(fd, 0)
    info["waited"] = time.monotonic() - t0
    info["locked"] = room
    try:
        yield info
    finally:
        if room:
            _unlock(fd, 1)
