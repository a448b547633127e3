"""The download on disk: checked, unpacked (files.safe_unzip), looked through, listed.

    check(path)                    a readable folder or .zip, else SubmissionError
    prepare_workdir(workdir, path) discovery's own scratch folder, emptied (see the package doc)
    unpack(archive, dest, shown)   a class download into dest; refused entries as Unmatched rows
    open_download(path, ctx, is_lms_name) -> (root, shown): the folder whose entries are the
                                   students, unpacked and through single wrappers
    items(root, shown, ctx)        its entries as Items (symlinks and specials are Unmatched)
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from ... import files
from ...manifest import Assignment
from ...submission import SubmissionError
from ..records import Unmatched
from .layout import Context, Item
from .names import MARKER, is_skipped

MAX_DOWNLOAD_BYTES = 1 << 30          # a whole class, unpacked
MAX_DOWNLOAD_ENTRIES = 50_000

IsLmsName = Callable[[str, bool], bool]


def check(path: Path) -> None:
    if not path.exists():
        raise SubmissionError(f"no such file or folder: {path}")
    if not os.access(path, os.R_OK) or (path.is_dir() and not os.access(path, os.X_OK)):
        raise SubmissionError(f"cannot read {path} (permission denied)")
    if not path.is_dir() and not (path.is_file() and path.suffix.lower() == ".zip"):
        raise SubmissionError(f"{path} is not a folder or a .zip: pass the zip the LMS gave you "
                              f"(Canvas 'Download Submissions', Moodle 'Download all "
                              f"submissions') or the folder you unpacked it into")


def prepare_workdir(workdir: Path, download: Path) -> None:
    workdir = workdir.resolve()
    here = download.resolve()
    if workdir == here or (here.is_dir() and here in workdir.parents):
        raise SubmissionError(f"the working folder {workdir} is inside the download {here}; "
                              f"choose a working folder elsewhere (it is emptied on every run)")
    if workdir in here.parents:
        raise SubmissionError(f"the download {here} is inside the working folder {workdir}, "
                              f"which is emptied on every run; move one of them")
    if workdir.exists():
        if not workdir.is_dir():
            raise SubmissionError(f"the working folder {workdir} is a file; pass a folder")
        children = list(workdir.iterdir())
        if children and not (workdir / MARKER).exists():
            raise SubmissionError(
                f"the working folder {workdir} is not empty and was not made by the grader; "
                f"pass an empty or new folder (it is emptied on every run)")
        for child in children:
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text("made by autograder.instructor.lms.discover; emptied on every run\n")


# ------------------------------------------------------------------ unpacking

def unpack(archive: Path, dest: Path, shown: str) -> list[Unmatched]:
    """Unpack a class download into `dest` (not the zips inside it: those are students').

    Refused entries (zip slip, symlinks, unreadable) come back as Unmatched rows, their path
    prefixed with `shown`; a zip that cannot be unpacked at all is a SubmissionError.
    """
    rules = files.ZipRules(max_bytes=MAX_DOWNLOAD_BYTES, max_entries=MAX_DOWNLOAD_ENTRIES)
    try:
        refused = files.safe_unzip(archive, dest, rules)
    except files.UnzipError as exc:
        raise SubmissionError(_advice(exc)) from exc
    return [_unmatched(r, shown) for r in refused]


def _advice(exc: files.UnzipError) -> str:
    """The core's reason, and what the instructor can do about it."""
    if exc.kind == "unreadable":
        return f"{exc}. Download it again from the LMS, or unzip it yourself and pass the folder."
    if exc.kind == "too-many":
        return f"{exc}; unzip it yourself and pass the folder if it really is a class download."
    return f"{exc}. Unzip it yourself and pass the folder (folders have no size limit)."


def _unmatched(r: files.Refusal, shown: str) -> Unmatched:
    # Said of the download, as an instructor sees it; an unreadable entry is shown by its
    # path (as Unmatched rows of unpacked entries are) and says what to do.
    reason = r.reason.replace("the folder it unpacks to", "the download")
    if not reason.startswith("could not unpack"):
        return Unmatched(shown + r.name, reason)
    rel = "/".join(p for p in r.name.split("/") if p not in ("", "."))
    return Unmatched(shown + rel, reason + "; unzip the download yourself to see it")


def _zip_holds_a_class(names: list[str], assignment: Assignment, is_lms_name: IsLmsName) -> bool:
    """Does a zip (its entry names) look like a class download rather than one hand-in?"""
    paths = [[p for p in n.split("/") if p not in ("", ".")] for n in names]
    paths = [p for p in paths if p and not any(is_skipped(x) for x in p)]
    while paths and len({p[0] for p in paths}) == 1 and all(len(p) > 1 for p in paths):
        paths = [p[1:] for p in paths]           # through single wrapper folders
    if any(is_lms_name(p[0], len(p) > 1) for p in paths):
        return True
    own = assignment.files[0]
    return sum(1 for p in paths if p[-1] == own) >= 2


# ------------------------------------------------------------------ looking through

def open_download(path: Path, ctx: Context, is_lms_name: IsLmsName) -> tuple[Path, str]:
    """The folder whose entries are the students, and how to show its paths ("" at the top).

    A zip is unpacked into workdir/_download; a single wrapper folder is looked through, and
    so is a single zip that itself holds a class download (into workdir/_download-<n>).
    """
    if path.is_dir():
        root = path
    else:
        root = ctx.workdir / "_download"
        ctx.unmatched.extend(unpack(path, root, ""))
    root, shown = _descend(root, "", ctx, is_lms_name)
    ctx.ours = ctx.workdir.resolve() in root.resolve().parents    # unpacked by us: move
    return root, shown


def _descend(root: Path, shown: str, ctx: Context, is_lms_name: IsLmsName) -> tuple[Path, str]:
    """Look through single wrapper folders and a single zip that holds a whole class."""
    own = ctx.assignment.files[0]
    for level in range(6):
        entries = listing(root)
        if len(entries) != 1 or entries[0].is_symlink():
            break
        only = entries[0]
        if only.is_dir():
            if is_lms_name(only.name, True):
                break
            if _has_own_file(only, ctx.assignment):
                ctx.notes.append(f"the download holds a single folder '{shown}{only.name}/' with "
                                 f"{own} in it: graded it as one student's submission")
                break
            ctx.notes.append(f"looked inside the single folder '{shown}{only.name}/'")
            root, shown = only, f"{shown}{only.name}/"
            continue
        if only.suffix.lower() == ".zip" and not is_lms_name(only.name, False):
            names = files.zip_names(only, MAX_DOWNLOAD_ENTRIES)
            if names is not None and _zip_holds_a_class(names, ctx.assignment, is_lms_name):
                dest = ctx.workdir / f"_download-{level + 2}"
                ctx.notes.append(f"'{shown}{only.name}' holds a whole class download: unpacked it")
                ctx.unmatched.extend(unpack(only, dest, f"{shown}{only.name}/"))
                root, shown = dest, f"{shown}{only.name}/"
                continue
        break
    return root, shown


def _has_own_file(folder: Path, assignment: Assignment) -> bool:
    return any((folder / name).is_file() for name in assignment.files)


def listing(folder: Path) -> list[Path]:
    """A folder's entries by name, junk left out."""
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise SubmissionError(f"cannot list {folder} ({exc.strerror or exc})") from exc
    return [e for e in entries if not is_skipped(e.name)]


def items(root: Path, shown: str, ctx: Context) -> list[Item]:
    """The entries a layout may claim: regular files and real folders. A symlink or a
    special file is an Unmatched row (a symlink could point anywhere)."""
    out = []
    for entry in listing(root):
        item = Item.at(entry, shown)
        if entry.is_symlink():
            ctx.unmatched.append(Unmatched(item.rel, "a symbolic link: not followed"))
        elif not item.is_dir and not entry.is_file():
            ctx.unmatched.append(Unmatched(item.rel, "not a regular file or folder"))
        else:
            out.append(item)
    return out
