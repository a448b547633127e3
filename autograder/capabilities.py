"""What this machine lets a jail do, probed once per process (jail.py applies it).

    capabilities()   {"bwrap": bool, "unshare": [...], "setpriv": bool, "cgroups": {...}}
    is_root()        user ids of their own and cgroups need root

Each probe runs the real thing (bubblewrap with the worker's Python importing what it
needs; setpriv to a grading's user; a cgroup made and removed), so a layer is on only
where it works here. A probe that times out (a busy machine) is tried again before the
layer is taken for missing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from . import KIT_ROOT, proctree
from .interpreters import Interpreter

UID_BASE = 61000            # graded children run as UID_BASE + slot (no login, no files)
SLOTS = 64                  # gradings at a time on one machine
PROBE_TIMEOUT = 20          # seconds one probe may take
PROBE_ATTEMPTS = 3          # tries of a probe that timed out


_PROBES: dict[str, object] = {}
_PROBE_LOCK = threading.Lock()


def _run_ok(cmd: list[str], attempts: int = PROBE_ATTEMPTS) -> bool:
    """Does `cmd` run and succeed? A probe that times out says nothing of the machine
    (a busy one starts bubblewrap slowly), so it is tried again before the layer is
    taken for missing: once probed, the answer holds for the whole process."""
    for _ in range(attempts):
        try:
            return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=PROBE_TIMEOUT).returncode == 0
        except subprocess.TimeoutExpired:
            continue
        except OSError:
            return False
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
