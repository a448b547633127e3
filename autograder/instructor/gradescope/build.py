"""Build time, on the instructor's machine: the Gradescope autograder zip of one assignment.

What the zip holds: setup.sh and run_autograder (templates/, with the assignment's number
and the virtualenv's name filled in), README.md (what this zip is), the engine
(autograder/ and pyproject.toml, requirements.txt = pyproject's dependencies pinned to
what the kit was tested with: pins.py), the
assignment's folder (stub, README, hints, visible and hidden tests) and a manifest with
that one entry. Never the reference solution, the broken variants, other assignments,
.git or caches: `write_zip` checks the finished zip for each of these and refuses to write
one that fails.
"""
from __future__ import annotations

import dataclasses
import datetime
import importlib.resources
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from ... import KIT_ROOT, __version__, manifest, paths
from ...files import is_junk, tree
from ..late import LatePolicy
from . import pins
from .common import SETTING, VENV

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

EXECUTABLE = {"setup.sh", "run_autograder"}       # at the zip's root, from templates/
KIT_ONLY = ("reference", "tests", "bench", "build", "dist", "grades")

BUNDLE_README = """# Gradescope autograder: assignment {number}, {title}

Built by concurrency-kit {version} on {built}{commit}.

Upload this zip unchanged on Gradescope (the assignment's Configure Autograder page,
base image Ubuntu 22.04 or newer). Gradescope extracts it to /autograder/source, runs
`setup.sh` once to build the image, then `run_autograder` for every submission.

* `setup.sh`        installs Python (apt, if missing) and the engine with its
                    dependencies (requirements.txt) into /autograder/{venv}
* `run_autograder`  grades /autograder/submission into /autograder/results/results.json
* `autograder/`     the grading engine; `assignments/` this assignment only: the stub,
                    README, hints and the visible and hidden tests

{cpu}Try it locally before uploading: `python -m autograder grade {number} your_file.py`
in the kit.
"""


class BuildError(Exception):
    """The zip cannot be built, or would not be safe to upload."""


def script(name: str, assignment: manifest.Assignment) -> bytes:
    """templates/<name> with @NUMBER@ and @VENV@ filled in: the zip's setup.sh or
    run_autograder."""
    text = (importlib.resources.files(__package__) / "templates" / name).read_bytes().decode("utf-8")
    return text.replace("@NUMBER@", str(assignment.number)).replace("@VENV@", VENV).encode("utf-8")


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)   # a valid TOML basic string
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def manifest_text(assignment: manifest.Assignment) -> str:
    """A manifest with this assignment only, checked by reading it back."""
    fields = {f.name: getattr(assignment, f.name) for f in dataclasses.fields(assignment)}
    fields = {k: v for k, v in fields.items() if v is not False and v != ""}   # only when set
    lines = ["# The Gradescope autograder's manifest: this one assignment "
             "(the kit's assignments/manifest.toml has them all).", "", "[[assignment]]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in fields.items()]
    text = "\n".join(lines) + "\n"
    back = tomllib.loads(text)["assignment"][0]
    if manifest._parse(back, "generated manifest") != assignment:
        raise BuildError(f"the generated manifest does not read back as assignment "
                         f"{assignment.number}: {back}")
    return text


def requirements_text(pyproject: Path) -> str:
    """requirements.txt: pyproject's [project] dependencies and theirs, pinned (pins.py)."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return pins.requirements_text(deps)


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(KIT_ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(KIT_ROOT), "status", "--porcelain"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    if out.returncode != 0:
        return ""
    return f", commit {out.stdout.strip()}" + (" with local changes" if dirty.stdout.strip() else "")


def readme_text(assignment: manifest.Assignment) -> str:
    """The zip's README.md: what it is, when and from what it was built."""
    cpu = ""
    if assignment.cpu_speedup:
        cpu = (f"This assignment measures process-pool speedups: on Gradescope, {SETTING}. "
               f"With less, run_autograder grades the speedup tests on structural evidence "
               f"and says so in every result.\n\n")
    built = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return BUNDLE_README.format(number=assignment.number, title=assignment.title,
                                version=__version__, built=built, commit=_git_commit(),
                                venv=VENV, cpu=cpu)


def bundle(assignment: manifest.Assignment) -> dict[str, bytes | Path]:
    """{name in the zip: content or file}: everything the zip holds."""
    pyproject = KIT_ROOT / "pyproject.toml"
    files: dict[str, bytes | Path] = {
        "setup.sh": script("setup.sh", assignment),
        "run_autograder": script("run_autograder", assignment),
        "README.md": readme_text(assignment).encode("utf-8"),
        "pyproject.toml": pyproject,
        "requirements.txt": requirements_text(pyproject).encode("utf-8"),
        "assignments/manifest.toml": manifest_text(assignment).encode("utf-8"),
    }
    files.update(tree(paths.ENGINE, "autograder"))
    files.update(tree(assignment.folder, f"assignments/{assignment.slug}"))
    return files


# ------------------------------------------------------------------ checking

def _forbidden_contents(assignment: manifest.Assignment) -> dict[bytes, str]:
    """Files that must never ship, by content: the reference solutions, the broken
    variants, the other assignments' tests."""
    out = {}
    for path in sorted(paths.REFERENCE.rglob("*.py")):
        out[path.read_bytes()] = str(path.relative_to(KIT_ROOT))
    own = {p.read_bytes() for p in assignment.folder.glob("*.py")}
    for path in sorted(paths.BROKEN.rglob("*.py")):
        if path.read_bytes() not in own:     # a broken variant that is the stub is no secret
            out.setdefault(path.read_bytes(), str(path.relative_to(KIT_ROOT)))
    for other in manifest.load():
        if other.slug != assignment.slug and other.tests_dir.is_dir():
            for path in other.tests_dir.rglob("test_*.py"):
                out.setdefault(path.read_bytes(), str(path.relative_to(KIT_ROOT)))
    return out


def _entry_problems(name: str, data: bytes, others: set[str], forbidden: dict[bytes, str]) -> list[str]:
    """What is wrong with one entry of the zip: where it sits, what it is, what it holds."""
    problems = []
    parts = name.split("/")
    if parts[0] in KIT_ONLY:
        problems.append(f"{name}: the kit's {parts[0]}/ must not ship")
    if parts[0] == "assignments" and len(parts) > 2 and parts[1] in others:
        problems.append(f"{name}: another assignment")
    if is_junk(Path(name)):
        problems.append(f"{name}: junk or cache")
    if data in forbidden:
        problems.append(f"{name} has the content of {forbidden[data]}")
    return problems


def _manifest_problems(zf: zipfile.ZipFile, names: list[str], slug: str) -> list[str]:
    entries = []
    if "assignments/manifest.toml" in names:
        entries = tomllib.loads(zf.read("assignments/manifest.toml").decode())["assignment"]
    listed = [e.get("slug") for e in entries]
    return [] if listed == [slug] else [f"the manifest lists {listed}, not only {slug}"]


def check_zip(zip_path: Path, assignment: manifest.Assignment) -> list[str]:
    """What is wrong with a built zip ([] = nothing): the scripts at the root, one
    assignment, nothing that must stay private."""
    forbidden = _forbidden_contents(assignment)
    others = {a.slug for a in manifest.load()} - {assignment.slug}
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        problems = [f"{required} is missing"
                    for required in ("setup.sh", "run_autograder", "pyproject.toml",
                                     "requirements.txt", "assignments/manifest.toml",
                                     "autograder/__init__.py",
                                     f"assignments/{assignment.slug}/{assignment.files[0]}")
                    if required not in names]
        for name in names:
            problems += _entry_problems(name, zf.read(name), others, forbidden)
        problems += [f"{name} is not executable" for name in EXECUTABLE & set(names)
                     if not (zf.getinfo(name).external_attr >> 16) & 0o111]
        problems += _manifest_problems(zf, names, assignment.slug)
    return problems


def write_zip(assignment: manifest.Assignment, out_dir: str | os.PathLike,
              late: str | None = None) -> Path:
    """Write out_dir/gradescope-<slug>.zip and check it; returns its path. `late`: the
    late policy its run applies (default: the manifest's), in the zip's manifest."""
    if late is not None:
        LatePolicy.parse(late)                       # LatePolicyError: said before building
        assignment = dataclasses.replace(assignment, late=late)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"gradescope-{assignment.slug}.zip"
    tmp = target.with_name(target.name + ".part")
    files = bundle(assignment)
    now = time.localtime()[:6]
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            content = files[name]
            data = content.read_bytes() if isinstance(content, Path) else content
            info = zipfile.ZipInfo(name, date_time=now)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((0o100755 if name in EXECUTABLE else 0o100644) << 16)
            zf.writestr(info, data)
    problems = check_zip(tmp, assignment)
    if problems:
        tmp.unlink()
        raise BuildError("the zip would not be safe to upload:\n  " + "\n  ".join(problems))
    os.replace(tmp, target)
    return target
