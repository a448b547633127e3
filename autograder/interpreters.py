"""The Python the student's code runs under: the kit's own, or another one (`--python`).

The judge (pytest, the tests, the verdicts) always runs on the kit's Python; the worker,
which needs only the standard library (grading/ckworker), can run on any CPython from
3.10 on, so a class on 3.14 is graded on 3.14:

    grade 3 alice.zip --python /usr/bin/python3.13
    grade 3 alice.zip --python /srv/sid/usr/bin/python3.14     # a Debian chroot's

A path inside another system's root (a folder holding usr/, etc/ and etc/os-release,
such as a `debootstrap` chroot) runs with that root as the jail's system: bubblewrap
binds its /usr, /lib, /etc... in place of this machine's, so the interpreter finds its
own libraries. `probe()` runs the interpreter once and says what it is, or why it
cannot grade (not found, not CPython 3.10+, a package the assignment needs missing).
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

MIN_VERSION = (3, 10)

_PROBE = r"""
import json, sys, importlib.util, multiprocessing
mods = sys.argv[1].split(",") if len(sys.argv) > 1 and sys.argv[1] else []
print(json.dumps({
    "version": list(sys.version_info[:3]), "implementation": sys.implementation.name,
    "executable": sys.executable, "gil": getattr(sys, "_is_gil_enabled", lambda: True)(),
    "start_method": multiprocessing.get_start_method(),
    "dirs": sorted({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
                   | {p for p in sys.path if p}),
    "missing": [m for m in mods if importlib.util.find_spec(m) is None],
}))
"""


class InterpreterError(Exception):
    """The interpreter asked for cannot run the student's code (the reason in words)."""


@dataclasses.dataclass(frozen=True)
class Interpreter:
    path: str                      # as the worker runs it (inside `root` when there is one)
    version: tuple[int, int, int]
    root: Path | None = None       # another system's root, or None for this machine's
    dirs: tuple[str, ...] = ()     # its prefix and sys.path, as seen inside `root`
    gil: bool = True
    start_method: str = ""         # its default (fork up to 3.13 on Linux, forkserver from 3.14)

    @property
    def own(self) -> bool:
        """The kit's own interpreter (nothing to bind, no other root)."""
        return self.root is None and os.path.realpath(self.path) == os.path.realpath(sys.executable)

    def describe(self) -> str:
        v = ".".join(map(str, self.version)) + ("" if self.gil else " (free-threaded)")
        where = f"{self.root}{self.path}" if self.root else self.path
        return f"Python {v} ({where})"


def system_root(path: Path) -> Path | None:
    """The root of another system `path` lies in (a chroot), or None if it is this one's."""
    for parent in path.parents:
        if parent == Path("/"):
            return None
        if (parent / "etc" / "os-release").exists() and (parent / "usr" / "lib").is_dir():
            return parent
    return None


def probe(spec: str | os.PathLike, needs: tuple[str, ...] = ()) -> Interpreter:
    """What the interpreter at `spec` is; InterpreterError if it cannot grade, or lacks a
    module of `needs` (e.g. requests, for an assignment whose code downloads)."""
    given = Path(spec).expanduser()
    if not given.is_absolute():
        found = _which(str(spec))
        if found is None:
            raise InterpreterError(f"--python {spec}: no such interpreter on PATH")
        given = Path(found)
    if not given.exists():
        raise InterpreterError(f"--python {spec}: {given} does not exist")
    root = system_root(given.absolute())
    inside = "/" + given.absolute().relative_to(root).as_posix() if root else str(given.absolute())
    cmd = ([_chroot(), str(root), inside] if root else [inside]) + \
        ["-I", "-c", _PROBE, ",".join(needs)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                              env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InterpreterError(f"--python {spec}: it does not run ({exc})") from None
    try:
        info = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise InterpreterError(f"--python {spec}: it is not a Python the kit can use (exit "
                               f"{done.returncode}: {(done.stderr or done.stdout)[-500:].strip()})"
                               ) from None
    version = tuple(info["version"])
    if info.get("implementation") != "cpython" or version[:2] < MIN_VERSION:
        raise InterpreterError(
            f"--python {spec}: {info.get('implementation')} {'.'.join(map(str, version))}; "
            f"the worker needs CPython {'.'.join(map(str, MIN_VERSION))} or newer")
    if info.get("missing"):
        missing = ", ".join(info["missing"])
        raise InterpreterError(
            f"--python {spec}: Python {'.'.join(map(str, version))} there has no {missing}, "
            f"which this assignment's code uses: install it for that interpreter "
            f"(`{inside} -m pip install {missing}`"
            + (f", or `chroot {root} apt-get install python3-{info['missing'][0]}`" if root else "")
            + ")")
    executable = str(info.get("executable") or inside)   # past a shim or a symlink
    return Interpreter(path=executable, version=version, root=root,
                       dirs=tuple(info.get("dirs") or ()), gil=bool(info.get("gil", True)),
                       start_method=str(info.get("start_method") or ""))


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the tests may take as known about the Python that runs the student's code:
    learnt by running that interpreter (probe(), the kit's own when there is no
    --python), never from the student's process."""

    gil: bool                      # False on a free-threaded build (3.13t, 3.14t)
    start_method: str              # multiprocessing's default there
    assumed: tuple[str, ...] = ()  # the CK_ASSUME_* variables that overrode them

    def describe(self) -> str:
        return (f"{'a GIL' if self.gil else 'no GIL (free-threaded)'}, start method "
                f"{self.start_method}" + (f" (assumed: {', '.join(self.assumed)})"
                                          if self.assumed else ""))


ASSUME = ("CK_ASSUME_GIL", "CK_ASSUME_START_METHOD")


def facts(gil: bool | None = None, start_method: str | None = None,
          environ=os.environ) -> Facts:
    """The facts of the worker's interpreter: `gil` and `start_method` as probe() found
    them, or (None) this interpreter's, which is the worker's when there is no --python.
    CK_ASSUME_GIL=0/1 and CK_ASSUME_START_METHOD=fork|forkserver|spawn, read on the
    grader's side, stand in for a Python this machine does not have (a free-threaded
    build, 3.14's forkserver) to try the tests' policy."""
    import multiprocessing
    if gil is None:
        gil = bool(getattr(sys, "_is_gil_enabled", lambda: True)())
    if not start_method:
        start_method = multiprocessing.get_start_method(allow_none=True) or \
            multiprocessing.get_context().get_start_method()
    assumed = []
    if environ.get("CK_ASSUME_GIL", "") in ("0", "1"):
        gil = environ["CK_ASSUME_GIL"] == "1"
        assumed.append(f"CK_ASSUME_GIL={environ['CK_ASSUME_GIL']}")
    method = environ.get("CK_ASSUME_START_METHOD", "")
    if method in multiprocessing.get_all_start_methods():
        start_method = method
        assumed.append(f"CK_ASSUME_START_METHOD={method}")
    return Facts(gil=gil, start_method=start_method, assumed=tuple(assumed))


def needs(assignment) -> tuple[str, ...]:
    """Modules outside the standard library that the assignment's stub imports (the
    student's code will too): `requests` for the downloaders."""
    import ast
    found: set[str] = set()
    for name in assignment.files:
        try:
            tree = ast.parse((assignment.folder / name).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    local = {Path(f).stem for f in assignment.files}
    return tuple(sorted(m for m in found - local if m not in sys.stdlib_module_names))


def _which(name: str) -> str | None:
    import shutil
    return shutil.which(name)


def _chroot() -> str:
    return _which("chroot") or "/usr/sbin/chroot"
