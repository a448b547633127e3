"""Confine a graded child: who it runs as, what it can see, how much it may use.

    with jail.confine(scratch, budget=120) as j:
        sandbox.run_child(j.wrap(cmd), ..., env=j.env(env))
        j.after_run()    # what the limits caught (memory, processes), for the feedback

Each layer is applied where the machine allows it, and `Jail.layers` says which are on
and what each stops (shown to the instructor, never blamed on the student):

    user        a user id of its own for each grading at a time (UID_BASE + slot), when
                the grader runs as root: the child cannot read root's files, signal or
                ptrace another grading or the grader, or raise its own limits; and
                RLIMIT_NPROC, which root ignores, holds
    limits      rlimits set before the child starts and inherited by everything it starts:
                processes/threads (NPROC), address space (AS), CPU seconds, open files,
                file size (the output cap), no core dumps
    cgroups     (v1 pids and memory controllers) one limit on processes and one on memory
                for the whole grading, whatever the number of processes
    namespaces  bubblewrap: a network namespace (no network, not even the machine's
                loopback), a PID namespace (every process of the grading dies with it,
                daemons and double forks too; /proc shows only its own), IPC, and a mount
                namespace whose file system holds only the system, Python and the worker's
                folder (its runtime and the submission): no kit, no reference, no test,
                no other student
    network     without bubblewrap, `unshare -n` still takes the network away

What the jail holds is the worker (grading/worker.py): the student's code and the
runtime that calls it. The tests, their doubles and the verdicts stay outside, in the
judge (README, "Untrusted submissions").
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import shlex
import tempfile
import time
from pathlib import Path
from collections.abc import Iterator

from .capabilities import (_PROBES, SLOTS, UID_BASE, _bwrap_prefix, _setpriv,  # noqa: F401
                           capabilities, is_root)  # noqa: F401 (jail.is_root, jail._PROBES)
from .interpreters import Interpreter
from .proctree import kill_cgroup, kill_user
from .sandbox import MAX_FILE_MB  # largest file (RLIMIT_FSIZE): the output cap

MAX_TASKS = 512             # processes + threads of one grading (RLIMIT_NPROC, pids.max)
MAX_AS_GB = 3               # address space of one process (RLIMIT_AS): MemoryError past it
MAX_MEMORY_MB = 4096        # memory of the whole grading (memory cgroup) unless the
                            # manifest says otherwise (memory_mb): killed past it
MAX_OPEN_FILES = 1024


@dataclasses.dataclass
class Layer:
    name: str
    on: bool
    detail: str

    def line(self) -> str:
        return f"{self.name:<11} {'on ' if self.on else 'OFF'}  {self.detail}"


# -------------------------------------------------------------------- slots

_SLOT_DIR = Path(tempfile.gettempdir()) / "concurrency-kit-slots"


@contextlib.contextmanager
def _slot() -> Iterator[int]:
    """A slot no other grading on this machine holds (a flock on a file per slot)."""
    _SLOT_DIR.mkdir(mode=0o700, exist_ok=True)
    while True:
        for n in range(SLOTS):
            fd = os.open(_SLOT_DIR / f"slot-{n}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            try:
                yield n
            finally:
                os.close(fd)
            return
        time.sleep(0.2)


# --------------------------------------------------------------------- jail

@dataclasses.dataclass
class Jail:
    scratch: Path
    budget: float
    memory_mb: int = MAX_MEMORY_MB
    uid: int | None = None
    bwrap: bool = False
    net_prefix: list[str] = dataclasses.field(default_factory=list)
    cgroups: dict[str, Path] = dataclasses.field(default_factory=dict)
    layers: list[Layer] = dataclasses.field(default_factory=list)
    pid_hits: int = 0            # pids.events "max" already counted (v1 never resets it)
    python: Interpreter | None = None   # the worker's, when not the kit's (interpreters.py)

    @property
    def offline(self) -> bool:
        return self.bwrap or bool(self.net_prefix)

    def limits(self) -> dict[str, int]:
        """rlimit name -> value, set by the child's first line (sandbox.apply_limits)."""
        out = {"FSIZE": MAX_FILE_MB << 20, "CORE": 0, "NOFILE": MAX_OPEN_FILES,
               "CPU": int(self.budget * 2 + 30)}
        if self.uid is not None:
            # Per-user counts: meaningful only for a user of its own (root is exempt,
            # and a student's own account runs their whole desktop).
            out["NPROC"] = MAX_TASKS
            out["AS"] = MAX_AS_GB << 30
        return out

    def wrap(self, cmd: list[str], *, user: bool = True) -> list[str]:
        """`cmd` in the jail's layers. `user=False` leaves the user change to the command
        (a judge's worker: its zygote stays root inside the jail, and each test's process
        becomes the jail's user itself, ckworker/limits.drop_to)."""
        prefix: list[str] = []
        if self.cgroups:
            enter = " && ".join(f"echo $$ > {shlex.quote(str(d / 'cgroup.procs'))}"
                              for d in self.cgroups.values())
            prefix += ["/bin/sh", "-c", f'{enter} || exit 97; exec "$@"', "ck-enter"]
        if self.bwrap:
            prefix += _bwrap_prefix(self.scratch, self.python) + ["--"]
        else:
            prefix += self.net_prefix
        if self.uid is not None and user:
            prefix += _setpriv(self.uid)
        return prefix + cmd

    def env(self, env: dict[str, str]) -> dict[str, str]:
        env = dict(env)
        env["CK_LIMITS"] = ",".join(f"{k}={v}" for k, v in self.limits().items())
        env["CK_MEMORY_MB"] = str(self.memory_mb)   # for the feedback (plugin/messages.py limit_hit)
        if self.uid is not None:
            home = self.scratch / "home"
            env["HOME"] = str(home)
        return env

    def after_run(self) -> list[str]:
        """Kill what is left of the grading, and say what the limits caught."""
        notes = []
        if self.uid is not None:
            kill_user(self.uid)
        for ctrl, d in self.cgroups.items():
            kill_cgroup(d)
            if ctrl == "memory" and _read_int(d / "memory.failcnt") > 0:
                notes.append(f"Your code used all the memory a grading may use "
                             f"({self.memory_mb} MB for all its processes together); the "
                             f"system stopped it there (look for a list, a string or a "
                             f"queue that grows without end).")
                _write(d / "memory.failcnt", "0")
            if ctrl == "pids":
                hits = _events_max(d / "pids.events")
                if hits > self.pid_hits:
                    notes.append(f"Your code tried to run more than {MAX_TASKS} processes "
                                 f"and threads at once; starting more failed "
                                 f"{hits - self.pid_hits} time(s) (a loop that starts a "
                                 f"process or a thread per item, or a fork bomb).")
                self.pid_hits = hits
        return notes

    def describe(self) -> list[str]:
        return [layer.line() for layer in self.layers]


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _events_max(path: Path) -> int:
    try:
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "max":
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _write(path: Path, text: str) -> bool:
    try:
        path.write_text(text)
        return True
    except OSError:
        return False


def _chown_tree(root: Path, uid: int) -> None:
    os.chown(root, uid, uid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            with contextlib.suppress(OSError):
                os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)


@contextlib.contextmanager
def confine(scratch: Path, *, budget: float, memory_mb: int = MAX_MEMORY_MB,
            enabled: bool = True, python: Interpreter | None = None) -> Iterator[Jail]:
    """A Jail for one grading whose files are in `scratch` (made the child's own);
    `python`: the worker's interpreter, when not the kit's."""
    caps = capabilities() if enabled else {"bwrap": False, "unshare": [], "setpriv": False,
                                            "cgroups": {}}
    if python is not None and python.root is not None and not caps["bwrap"]:
        from .interpreters import InterpreterError
        raise InterpreterError(f"{python.describe()} lives in another system's root: running "
                               f"it needs bubblewrap (`make sandbox` says why it is off here)")
    jail = Jail(scratch=scratch, budget=budget, memory_mb=memory_mb, bwrap=bool(caps["bwrap"]),
                net_prefix=list(caps["unshare"]), python=python)
    with contextlib.ExitStack() as stack:
        if caps["setpriv"]:
            jail.uid = UID_BASE + stack.enter_context(_slot())
            kill_user(jail.uid)  # a crashed grader's leftovers, if any
            (scratch / "home").mkdir(exist_ok=True)
            _chown_tree(scratch, jail.uid)
            os.chmod(scratch, 0o700)
        groups = caps["cgroups"] if jail.uid is not None else {}
        for ctrl, base in groups.items():  # type: ignore[union-attr]
            d = base / f"concurrency-kit-{jail.uid}"
            try:
                d.mkdir(exist_ok=True)
            except OSError:
                continue
            kill_cgroup(d)
            ok = (_write(d / "pids.max", str(MAX_TASKS)) if ctrl == "pids" else
                  _write(d / "memory.limit_in_bytes", str(memory_mb << 20)))
            if ok:
                if ctrl == "memory":
                    _write(d / "memory.failcnt", "0")
                jail.cgroups[ctrl] = d
                stack.callback(_remove_cgroup, d)
        if "pids" in jail.cgroups:
            jail.pid_hits = _events_max(jail.cgroups["pids"] / "pids.events")
        jail.layers = _layers(jail)
        try:
            yield jail
        finally:
            jail.after_run()


def _remove_cgroup(d: Path) -> None:
    kill_cgroup(d)
    for _ in range(20):
        try:
            d.rmdir()
            return
        except OSError:
            time.sleep(0.05)


def _layers(j: Jail) -> list[Layer]:
    user = (f"runs as uid {j.uid}, a user of its own: cannot read root's files, signal "
            f"other gradings or raise its limits" if j.uid is not None else
            "runs as the grader's own user (the grader is not root, or setpriv could not "
            "run Python as another user here)")
    lim = j.limits()
    limits = (f"{lim.get('NPROC', '-')} processes+threads, {MAX_AS_GB} GB per process, "
              f"{lim['CPU']} CPU s, {MAX_OPEN_FILES} files, {MAX_FILE_MB} MB per file")
    if "NPROC" not in lim:
        limits = (f"{lim['CPU']} CPU s, {MAX_OPEN_FILES} files, {MAX_FILE_MB} MB per file "
                  f"(no process or memory limit: those need a user of its own)")
    cg = (", ".join(f"{c} ({f'{MAX_TASKS} tasks' if c == 'pids' else f'{j.memory_mb} MB'})"
                    for c in j.cgroups) or "none: no writable cgroup v1 pids/memory here")
    ns = ("bubblewrap: no network, own PID namespace, only the system, Python, the "
          "worker's runtime and the submission visible" if j.bwrap else
          "no bubblewrap: the child sees the machine's files (install bubblewrap)")
    net = ("no network (bubblewrap)" if j.bwrap else
           "no network (unshare -n)" if j.net_prefix else
           "the child can reach the network: neither bubblewrap nor unshare -n works here")
    layers = [Layer("user", j.uid is not None, user), Layer("limits", True, limits),
              Layer("cgroups", bool(j.cgroups), cg), Layer("filesystem", j.bwrap, ns),
              Layer("network", j.offline, net)]
    if j.python is not None and not j.python.own:
        layers.append(Layer("python", True, f"the student's code runs under "
                                            f"{j.python.describe()}; the tests under the kit's"))
    return layers
