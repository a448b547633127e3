"""GitHub Classroom: the students' repositories, as `gh classroom clone student-repos`
leaves them (github/gh-classroom, cmd/gh-classroom/clone/student-repos: every accepted
assignment's repository cloned into <assignment slug>-submissions/<repository name>;
Classroom names each repository <assignment slug>-<GitHub username>).

A top-level folder is a student's repository when it holds the kit's student release
(.concurrency-kit/release.json) with this assignment's folder in it; what is graded is
that folder, assignments/<slug>/, as the student's `make check` grades it. The id is the
repository's name without the prefix every repository of the download shares (the
Classroom assignment's slug): the GitHub username. lms = {"github", "repository",
"commit"} (the commit graded, read from the clone's .git when it has one).
"""
from __future__ import annotations

import os
import re
from typing import Any

from ..records import Student
from .layout import Candidate, Item, Layout, student
from .names import clean, slug

RELEASE_MARK = ".concurrency-kit/release.json"


class ClassroomLayout(Layout):
    kind = "classroom"
    what = "GitHub Classroom repositories"
    names_students = False            # the names are repositories; decided by what is inside

    def match(self, item: Item) -> dict[str, Any] | None:
        if not item.is_dir or item.path is None:
            return None
        if (item.path / RELEASE_MARK).is_file() and \
                (item.path / "assignments" / self.ctx.assignment.slug).is_dir():
            return {"repository": item.name}
        return None

    def claim(self, item: Item, ids: dict[str, Any]) -> None:
        self._group(item.name, lambda: Candidate(
            "classroom", item.name, clean(item.name), "classroom",
            {"repository": clean(item.name)}, items=[(item, item.name, "repository")],
            path=item.path / "assignments" / self.ctx.assignment.slug, first_rel=item.rel))

    def candidates(self) -> list[Candidate]:
        found = list(self._by_key.values())
        prefix = _shared_prefix([c.key for c in found])
        for c in found:
            user = c.key[len(prefix):] or c.key
            c.key, c.name = slug(user) or "student", clean(user)
            c.lms["github"] = clean(user)
            c.notes.append(f"GitHub Classroom repository {c.lms['repository']}: graded "
                           f"assignments/{self.ctx.assignment.slug}/")
        return found

    def materialise(self, c: Candidate, sid: str) -> Student:
        commit = _head(c.items[0][0].path)
        if commit:
            c.lms["commit"] = commit
            c.notes.append(f"graded commit {commit[:12]}")
        return student(c, sid, c.path)


def _shared_prefix(names: list[str]) -> str:
    """The "<assignment slug>-" every repository name starts with (two or more names)."""
    if len(names) < 2:
        return ""
    common = os.path.commonprefix(names)
    return common[: common.rfind("-") + 1]


def _head(repo) -> str:
    """The commit the clone has checked out, read from .git's own files, or "". No git
    process: a student's repository can carry a .git/config that runs commands."""
    git = repo / ".git" if repo is not None else None
    try:
        if git is None or not git.is_dir() or git.is_symlink():
            return ""
        head = _read(git / "HEAD")
        if head.startswith("ref: "):
            ref = head[5:]
            if not re.fullmatch(r"refs/[A-Za-z0-9._/-]+", ref) or ".." in ref:
                return ""
            head = _read(git / ref) if (git / ref).is_file() else next(
                (line.split()[0] for line in _read(git / "packed-refs").splitlines()
                 if line.endswith(" " + ref)), "")
    except OSError:
        return ""
    return head if re.fullmatch(r"[0-9a-f]{40}([0-9a-f]{24})?", head) else ""


def _read(path) -> str:
    """A small text file of the clone (a ref), not followed through a symlink."""
    if path.is_symlink() or not path.is_file():
        return ""
    with open(path, encoding="ascii", errors="replace") as f:
        return f.read(4096).strip()
