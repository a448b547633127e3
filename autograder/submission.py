"""Find what a student handed in and stage it for grading.

A submission is a folder, a single .py file, or a .zip. Only the assignment's own files
are copied into the staging folder (never a conftest.py, sitecustomize.py or anything
else that came along), so what runs is exactly what is graded.

Whatever is missing is not an error of the grader: the staged folder simply lacks the
file, the tests say so, and the submission scores what it earns (0). The grader refuses
only a path it cannot read at all.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

from .files import UnzipError, ZipRules, is_junk, safe_unzip
from .manifest import Assignment

MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_FILE_BYTES = 2 * 1024 * 1024


class SubmissionError(Exception):
    """The path cannot be graded at all (missing, unreadable, not a folder/.py/.zip)."""


@dataclasses.dataclass
class Staged:
    folder: Path                 # holds the assignment's files, under their expected names
    found: dict[str, Path]       # expected name -> where it was found in the submission
    notes: list[str]             # what a grader should know (renamed file, missing file)
    expected: tuple[str, ...] = ()


def _candidates(root: Path) -> list[Path]:
    """Python files in `root`, at most two folders down, junk skipped, no symlinks."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel = Path(dirpath).relative_to(root)
        if len(rel.parts) > 2 or is_junk(rel):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not is_junk(d))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if name.endswith(".py") and not is_junk(p.relative_to(root)) and not p.is_symlink():
                out.append(p)
    return out


def _pick(root: Path, assignment: Assignment) -> tuple[dict[str, Path], list[str]]:
    found: dict[str, Path] = {}
    notes: list[str] = []
    candidates = _candidates(root)
    for name in assignment.files:
        exact = [p for p in candidates if p.name == name]
        if exact:
            # The shallowest match wins; say so if there were several.
            exact.sort(key=lambda p: (len(p.relative_to(root).parts), str(p)))
            found[name] = exact[0]
            if len(exact) > 1:
                others = ", ".join(str(p.relative_to(root)) for p in exact[1:])
                notes.append(f"several {name} in the submission; graded "
                             f"{exact[0].relative_to(root)} (ignored {others})")
    if len(assignment.files) == 1 and not found:
        name = assignment.files[0]
        if len(candidates) == 1:
            only = candidates[0]
            found[name] = only
            notes.append(f"no {name} in the submission; graded its only Python file "
                         f"{only.relative_to(root)} as {name}")
    for name in assignment.files:
        if name not in found:
            listing = ", ".join(str(p.relative_to(root)) for p in candidates[:8]) or "no .py files"
            notes.append(f"{name} is missing from the submission (it holds: {listing})")
    return found, notes


MAX_ZIP_DEPTH = 3         # zips inside a zip, unpacked beside themselves
ZIP_RULES = ZipRules(max_bytes=MAX_ZIP_BYTES, max_entries=10_000, nested=MAX_ZIP_DEPTH)
MAX_REFUSAL_NOTES = 3


def _unzip(archive: Path, dest: Path) -> list[str]:
    """Unpack a submission's zip; the notes on what was refused."""
    try:
        refused = safe_unzip(archive, dest, dataclasses.replace(ZIP_RULES, max_bytes=MAX_ZIP_BYTES))
    except UnzipError as exc:
        raise SubmissionError(str(exc)) from exc
    notes = [f"{r.name}: {r.reason}" for r in refused[:MAX_REFUSAL_NOTES]]
    if len(refused) > MAX_REFUSAL_NOTES:
        notes.append(f"and {len(refused) - MAX_REFUSAL_NOTES} more zip entries refused")
    return notes


def stage(assignment: Assignment, path: str | os.PathLike, dest: Path) -> Staged:
    """Copy the assignment's files from `path` into `dest` (created)."""
    src = Path(path)
    if not src.exists():
        raise SubmissionError(f"no such file or folder: {src}")
    if not os.access(src, os.R_OK):
        raise SubmissionError(f"cannot read {src} (permission denied)")
    dest.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    if src.is_dir():
        found, notes = _pick(src, assignment)
    elif src.suffix == ".py":
        name = assignment.files[0]
        found = {name: src}
        if src.name != name:
            notes.append(f"graded {src.name} as {name}")
    elif src.suffix.lower() == ".zip":
        unpacked = dest.parent / (dest.name + "-unzipped")
        unpacked.mkdir(parents=True, exist_ok=True)
        refused = _unzip(src, unpacked)
        found, notes = _pick(unpacked, assignment)
        notes = refused + notes
    else:
        raise SubmissionError(f"{src} is not a folder, a .py file or a .zip")
    for name, origin in found.items():
        if origin.stat().st_size > MAX_FILE_BYTES:
            notes.append(f"{origin.name} is larger than {MAX_FILE_BYTES >> 20} MB; not graded")
            continue
        shutil.copyfile(origin, dest / name)
    found = {n: p for n, p in found.items() if (dest / n).exists()}
    return Staged(folder=dest, found=found, notes=notes, expected=assignment.files)
