"""Plain downloads: one folder, one .py or one .zip per student; the id is the name.

A folder is graded in place (what is inside is left for submission.stage to find: another
file name, one folder down). A loose .py or .zip is a student only when nothing else in
the download is named by an LMS, and when it is not the assignment's own file name (then
the download is one student's folder, passed by mistake).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..records import Student, Unmatched
from .layout import Candidate, Item, Layout, student
from .names import clean, slug


class PlainLayout(Layout):
    kind = "plain"
    what = "plain folders/files"
    names_students = False

    def __init__(self, ctx):
        super().__init__(ctx)
        self._folders: list[Candidate] = []
        self._loose: list[Item] = []          # top-level .py/.zip: decided once all are claimed

    def match(self, item: Item) -> dict[str, Any] | None:
        if item.is_dir:
            return {"stem": item.name, "source": "folder"}
        suffix = Path(item.name).suffix
        if suffix.lower() in (".py", ".zip"):
            return {"stem": item.name[: -len(suffix)],
                    "source": "file" if suffix.lower() == ".py" else "zip"}
        return None

    def claim(self, item: Item, ids: dict[str, Any]) -> None:
        if item.is_dir:
            self._folders.append(self._candidate(item, ids))
        else:
            self._loose.append(item)

    def candidates(self) -> list[Candidate]:
        out = list(self._folders)
        for item in self._loose:
            reason = self._refuse(item)
            if reason:
                self.ctx.unmatched.append(Unmatched(item.rel, reason))
            else:
                out.append(self._candidate(item, self.match(item)))
        return out

    def materialise(self, c: Candidate, sid: str) -> Student:
        return student(c, sid, c.path)

    @staticmethod
    def _candidate(item: Item, ids: dict[str, Any]) -> Candidate:
        return Candidate("plain", slug(ids["stem"]) or "student", clean(ids["stem"]), ids["source"],
                         {}, path=item.path, first_rel=item.rel)

    def _refuse(self, item: Item) -> str:
        a = self.ctx.assignment
        if item.name in a.files:
            return (f"{item.name} is the assignment's own file name, not a student id: if this "
                    f"folder is one student's submission, grade it with `python -m autograder "
                    f"grade {a.number} PATH` instead")
        if self.ctx.lms_files:
            return ("no student id in the name: the other files here are named by the LMS "
                    "(Canvas <name>_<userid>_<fileid>_<file>, Moodle <Full Name>_<id>_"
                    "assignsubmission_file_<file>); rename it like them or put it in a folder "
                    "named after the student")
        return ""
