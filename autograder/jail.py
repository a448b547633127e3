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
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from collections.abc import Iterator

from . import KIT_ROOT, proctree
from .interpreters import Interpreter
from .proctree import kill_cgroup, kill_user
from .sandbox import MAX_FILE_MB  # largest file (RLIMIT_FSIZE): the output cap

UID_BASE = 61000            # graded children run as UID_BASE + slot (no login, no files)
SLOTS = 64                  # gradings at a time on one machine
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


# ------------------------------------------------------------------- probing

_PROBES: dict[str, object] = {}
_PROBE_LOCK = threading.Lock()


def _run_ok(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _probe(name: str, fn):
    # Probes are children of ours: no orphan sweep of a run in another thread may take
    # a probe for a leftover of its own (sandbox.run_child).
    with _PROBE_LOCK, proctree.no_sweep():
        if name not in _PROBES:
            _PROBES[name] = fn()
        return _PROBES[name]


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _python_dirs(python: Interpreter | None = None) -> list[Path]:
    """What the child needs to run its Python with its packages (never the kit itself):
    this one's, or `python`'s (another interpreter of this machine; one in another
    system's root brings everything with that root)."""
    if python is not None and python.root is not None:       # paths inside that root
        inside = {d for d in python.dirs if d != "/" and os.path.isdir(f"{python.root}{d}")}
        return _outermost(Path(d) for d in inside | {os.path.dirname(python.path)})
    if python is not None and not python.own:
        dirs = {os.path.dirname(python.path), os.path.dirname(os.path.realpath(python.path))}
        dirs |= {d for d in python.dirs if os.path.isdir(d)}
    else:
        dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                os.path.dirname(os.path.realpath(sys.executable)),
                os.path.dirname(os.path.abspath(sys.executable))}
        for entry in sys.path:
            if entry and os.path.isdir(entry):
                dirs.add(entry)
    kit = os.path.realpath(KIT_ROOT)
    out = []
    for d in dirs:
        real = os.path.realpath(d)
        if real == kit or kit.startswith(real + os.sep) or real == "/":
            continue  # the kit holds the reference and hidden tests; /: everything
        if real.startswith(kit + os.sep) and not real.startswith(os.path.join(kit, ".venv")):
            continue  # kit folders on sys.path (the kit's tests...): only the engine goes in
        for p in {d, real}:
            out.append(Path(p))
    return _outermost(out)


def _outermost(paths) -> list[Path]:
    """The folders of `paths` that are not inside another of them."""
    kept: list[Path] = []
    for p in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(p == k or k in p.parents for k in kept):
            kept.append(p)
    return kept


_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")


def _bwrap_prefix(scratch: Path, python: Interpreter | None = None) -> list[str]:
    """bubblewrap with a file system of: the system, Python and the scratch (the worker
    brings its runtime there: nothing else of the kit is inside). With `python` in another
    system's root, that root's system in place of this machine's."""
    root = python.root if python is not None else None
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--hostname", "grading",
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm",
            "--ro-bind", "/sys", "/sys", "--perms", "1777", "--tmpfs", "/tmp"]
    made = {"/", "/proc", "/dev", "/dev/shm", "/sys", "/tmp"}

    def parents(path: str) -> None:
        # bubblewrap makes missing parents mode 0700; an unprivileged child could not
        # walk through them, so create each one 0755 first.
        for parent in reversed(Path(path).parents):
            p = str(parent)
            if p not in made:
                made.add(p)
                args.extend(["--perms", "0755", "--dir", p])

    for d in _SYSTEM:
        source = f"{root}{d}" if root else d
        if os.path.islink(source):                  # merged /usr: /bin -> usr/bin
            args.extend(["--symlink", os.readlink(source), d])
        elif os.path.isdir(source):
            args.extend(["--ro-bind", source, d])
        else:
            continue
        made.add(d)
    for d in _python_dirs(python):
        s = str(d)
        if s in made or any(s.startswith(m + os.sep) for m in _SYSTEM if m in made):
            continue
        parents(s)
        args.extend(["--ro-bind", f"{root}{s}" if root else s, s])
        made.add(s)
    s = str(scratch)
    parents(s)
    args.extend(["--bind", s, s, "--chdir", s])
    return args


# What a graded child imports: a probe that cannot import these has not got a usable Python
# (e.g. a virtualenv in a folder of mode 0700, unreadable to the child's user).
_NEEDS = "import pytest, pytest_timeout, psutil, requests, requests_mock"


def _bwrap_works() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("bwrap") is None:
        return False
    with tempfile.TemporaryDirectory(prefix="ck-probe-") as tmp:
        os.chmod(tmp, 0o755)
        return _run_ok(_bwrap_prefix(Path(tmp)) + ["--", sys.executable, "-I", "-c", _NEEDS])


def _unshare_net() -> list[str]:
    if not sys.platform.startswith("linux"):
        return []
    for prefix in (["unshare", "--net", "--"],
                   ["unshare", "--user", "--map-current-user", "--net", "--"]):
        if shutil.which(prefix[0]) and _run_ok(prefix + [sys.executable, "-c", "pass"]):
            return prefix
    return []


def _setpriv(uid: int) -> list[str]:
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]


def _setpriv_works(with_bwrap: bool) -> bool:
    """Can an unprivileged uid run this Python (inside bubblewrap's view, or as is)?"""
    if not is_root() or shutil.which("setpriv") is None:
        return False
    with tempfile.TemporaryDirectory(prefix="ck-probe-") as tmp:
        os.chmod(tmp, 0o755)
        wrap = _bwrap_prefix(Path(tmp)) + ["--"] if with_bwrap else []
        return _run_ok(wrap + _setpriv(UID_BASE + SLOTS) + [sys.executable, "-I", "-c", _NEEDS])


def _cgroup_v1_dirs() -> dict[str, Path]:
    """{controller: our own cgroup folder} for the v1 pids and memory controllers, where
    this process may create a child cgroup."""
    out: dict[str, Path] = {}
    if not is_root():
        return out
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for ctrl in parts[1].split(","):
            if ctrl in ("pids", "memory"):
                base = Path("/sys/fs/cgroup") / ctrl / parts[2].lstrip("/")
                probe = base / f"ck-probe-{os.getpid()}"
                try:
                    probe.mkdir()
                    probe.rmdir()
                    out[ctrl] = base
                except OSError:
                    pass
    return out


def capabilities() -> dict:
    """What this machine allows, probed once per process."""
    def probe():
        bwrap = _bwrap_works()
        return {"bwrap": bwrap, "unshare": [] if bwrap else _unshare_net(),
                "setpriv": _setpriv_works(bwrap), "cgroups": _cgroup_v1_dirs()}
    return _probe("capabilities", probe)  # type: ignore[return-value]


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
