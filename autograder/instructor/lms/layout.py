"""What every LMS layout is made of, and what every student it finds gets.

    Item        one entry at the top of the download (a file or a folder)
    Candidate   one student-to-be: the items a layout grouped under one id
    Context     the discovery under way: assignment, workdir, where unmatched rows go
    Layout      match(item) -> the ids in its name, or None; claim(item, ids) groups it;
                candidates() once every item is claimed; materialise(candidate, id) -> Student
    point_at_zip(student)   a folder whose only possible hand-in is one .zip is graded from it

A layout is made once per discovery (it keeps its candidates); discover() offers each item
to the layouts in order and the first whose match() answers claims it.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import Any

from ...manifest import Assignment
from ..records import Student, Unmatched
from .names import clean, is_skipped


@dataclasses.dataclass
class Item:
    name: str                 # the entry's own name, as on disk (or in a zip listing)
    is_dir: bool              # a real folder (not a symlink to one)
    path: Path | None = None  # None for a name only seen in a zip listing
    rel: str = ""             # as shown to humans, relative to the download (clean)

    @classmethod
    def at(cls, entry: Path, shown: str) -> Item:
        return cls(entry.name, entry.is_dir() and not entry.is_symlink(), entry,
                   clean(shown + entry.name))


@dataclasses.dataclass
class Candidate:
    kind: str                 # the layout's: "canvas", "moodle", "plain"
    key: str                  # id before de-duplication
    name: str
    source: str
    lms: dict[str, str]
    items: list[tuple[Item, str, str]] = dataclasses.field(default_factory=list)
    # (item, original name, plugin/kind tag)
    notes: list[str] = dataclasses.field(default_factory=list)
    path: Path | None = None  # plain: what to grade, as it is
    first_rel: str = ""


@dataclasses.dataclass
class Context:
    assignment: Assignment
    workdir: Path
    unmatched: list[Unmatched]
    notes: list[str] = dataclasses.field(default_factory=list)
    ours: bool = False        # the items were unpacked by us: move them, do not copy
    lms_files: int = 0        # files (not folders) claimed by a layout that names students


class Layout:
    kind = ""
    what = ""                 # for the summary: "<n> student(s) <what>"
    names_students = True     # its names carry student ids (unlike plain folders)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.files = 0        # non-folder items claimed
        self._by_key: dict[str, Candidate] = {}

    def match(self, item: Item) -> dict[str, Any] | None:
        """The ids parsed from the item's name when it looks like one of ours, else None."""
        raise NotImplementedError

    def claim(self, item: Item, ids: dict[str, Any]) -> None:
        raise NotImplementedError

    def candidates(self) -> list[Candidate]:
        return list(self._by_key.values())

    def materialise(self, c: Candidate, sid: str) -> Student:
        raise NotImplementedError

    def _group(self, key: str, make) -> Candidate:
        if key not in self._by_key:
            self._by_key[key] = make()
        return self._by_key[key]

    def _copy(self, item: Item, dst: Path, into: Path, *, move: bool) -> None:
        """Copy (or move) an item to dst; a failure is an Unmatched row, not an error."""
        try:
            copy(item.path, dst, move=move)
        except OSError as exc:
            self.ctx.unmatched.append(Unmatched(item.rel, f"could not copy it into {into} ({exc})"))


def student(c: Candidate, sid: str, path: Path) -> Student:
    return Student(id=sid, name=c.name, path=path, source=c.source, lms=dict(c.lms),
                   notes=list(c.notes))


def copy(src: Path, dst: Path, move: bool) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if move:
        os.replace(src, dst)
    elif src.is_dir():
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copyfile(src, dst)


# ------------------------------------------------------------------ one .zip in a folder

def _pyfiles(folder: Path, depth: int = 2) -> tuple[int, list[Path]]:
    """(number of .py files, the .zip files) within `depth` folders down, junk skipped."""
    py, zips = 0, []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        dirnames[:] = sorted(d for d in dirnames if not is_skipped(d)) if len(rel.parts) < depth else []
        for f in sorted(filenames):
            if is_skipped(f):
                continue
            if f.endswith(".py"):
                py += 1
            elif f.lower().endswith(".zip") and not (Path(dirpath) / f).is_symlink():
                zips.append(Path(dirpath) / f)
    return py, zips


def point_at_zip(s: Student) -> None:
    """A folder whose only possible hand-in is one zip is graded from that zip (stage unpacks
    zips it is given, not zips inside folders)."""
    if not s.path.is_dir():
        return
    try:
        py, zips = _pyfiles(s.path)
    except OSError:
        return
    if py:
        return
    rel = [z.relative_to(s.path).as_posix() for z in zips]
    if len(zips) == 1:
        s.notes.append(f"no .py file in the folder: graded the zip {rel[0]}")
        s.path = zips[0]
    elif len(zips) > 1:
        s.notes.append(f"no .py file in the folder and {len(zips)} zips ({', '.join(rel[:6])}): "
                       f"none was unpacked; unzip the right one and grade it on its own")
