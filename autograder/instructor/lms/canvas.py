"""Canvas "Download Submissions": flat files named by the LMS, grouped per user id.

    <sortablename>[_LATE]_<userid>_<fileid>_<original filename>
    [LATE_]anon_<anonymous id>_<fileid>_<original filename>        (anonymous grading)
    <sortablename>[_LATE]_<userid>_text.html  / _link.html         (text entry, URL)

A student's files go into workdir/<id>/ under their original names (a re-upload Canvas
renamed "consumer-1.py" under the assignment's own name when it is the only candidate);
lms = {"user_id", "submission_id" (file ids, comma-separated), "late": "1" or ""}, plus
"anonymous_id" with anonymous grading. The names are explained in the package's docstring.
"""
from __future__ import annotations

import re
from typing import Any

from ...manifest import Assignment
from ..records import Student, Unmatched
from .layout import Candidate, Item, Layout, student
from .names import clean, compose

_LATE = r"(?:_(?P<late>late))?"
# Canvas keeps only word characters of the name (letters and marks of any script, digits,
# "_"); excluding spaces and punctuation keeps "my homework_2024_1_x.py" a plain file.
_NAME = r"(?P<name>[^\s\-.,;:!?'\"()\[\]{}<>@#$%^&*+=~`/\\|]*?)"
CANVAS_FILE = re.compile(
    rf"^{_NAME}{_LATE}_(?P<uid>\d+)_(?P<fid>\d+)_(?P<orig>.+)$", re.I | re.S)
CANVAS_ANON = re.compile(
    r"^(?:(?P<late>late)_)?anon_(?P<anon>[A-Za-z0-9]+)_(?P<fid>\d+)_(?P<orig>.+)$", re.I | re.S)
CANVAS_TEXT = re.compile(
    rf"^{_NAME}{_LATE}_(?P<uid>\d+)_(?P<kind>text|link)\.html$", re.I | re.S)
CANVAS_ANON_TEXT = re.compile(
    r"^(?:(?P<late>late)_)?anon_(?P<anon>[A-Za-z0-9]+)_(?P<kind>text|link)\.html$", re.I | re.S)
REUPLOAD = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<ext>\.[A-Za-z0-9]+)$")
_ONLINE = ("text", "link")


class CanvasLayout(Layout):
    kind = "canvas"
    what = "from Canvas file names"

    def match(self, item: Item) -> dict[str, Any] | None:
        patterns = ((CANVAS_FILE, CANVAS_ANON) if item.is_dir
                    else (CANVAS_FILE, CANVAS_ANON, CANVAS_TEXT, CANVAS_ANON_TEXT))
        for rx in patterns:
            m = rx.match(item.name)
            if m:
                return m.groupdict()
        return None

    def claim(self, item: Item, ids: dict[str, Any]) -> None:
        anon = ids.get("anon") or ""
        if anon:
            key, name, uid = f"anon_{anon}", f"anon_{anon}", ""
        else:
            key, name, uid = ids["uid"], clean(ids["name"]), ids["uid"]
        if ids.get("orig") in (".", ".."):
            self.ctx.unmatched.append(Unmatched(item.rel, "a Canvas name with no file name after the ids"))
            return
        c = self._group(key, lambda: Candidate(
            "canvas", compose("" if anon else name, key), name, "canvas",
            {"user_id": uid, "submission_id": "", "late": ""}, first_rel=item.rel))
        if anon:
            c.lms["anonymous_id"] = anon
        if name and c.name != name:
            c.notes.append(f"Canvas user {key} appears under two names ({c.name}, {name}); "
                           f"kept {c.name}")
        if ids.get("late"):
            c.lms["late"] = "1"
        tag = ids.get("kind") or ids["fid"]
        c.items.append((item, clean(ids["orig"]) if ids.get("orig") else clean(item.name), tag))
        self.files += not item.is_dir

    def materialise(self, c: Candidate, sid: str) -> Student:
        dest = self.ctx.workdir / sid
        dest.mkdir(parents=True, exist_ok=True)
        files = [(orig, tag) for _, orig, tag in c.items if tag not in _ONLINE]
        names, extra = canvas_names(files, self.ctx.assignment)
        it = iter(names)
        fids: list[str] = []
        for item, _orig, tag in c.items:
            if tag in _ONLINE:
                target = dest / item.name
                c.notes.append("handed in an online text entry, not a file" if tag == "text"
                               else "handed in a website URL, not a file")
            else:
                target = dest / next(it)
                fids.append(tag)
            self._copy(item, target, dest, move=self.ctx.ours)
        c.notes.extend(extra)
        c.lms["submission_id"] = ",".join(sorted(set(fids), key=int))
        if c.lms["late"]:
            c.notes.append("Canvas marked this submission late")
        if c.lms.get("anonymous_id"):
            c.notes.append("anonymous grading: Canvas gave no name, the id is Canvas's "
                           "anonymous id")
        return student(c, sid, dest)


def canvas_names(files: list[tuple[str, str]], assignment: Assignment) -> tuple[list[str], list[str]]:
    """Names to save a Canvas student's files under (given (original name, file id) pairs).

    Canvas renames a re-upload "consumer-1.py"; when that is the only candidate for one of
    the assignment's files it is saved under the expected name, with a note.
    """
    out = [orig for orig, _ in files]
    notes: list[str] = []
    used: set[str] = set()
    for i, (orig, fid) in enumerate(files):        # two uploads with the same name
        if orig.casefold() in used:
            stem, dot, ext = orig.rpartition(".")
            out[i] = f"{stem}-{fid}.{ext}" if dot and stem else f"{orig}-{fid}"
            notes.append(f"two uploads named {orig}: saved this one as {out[i]}")
        used.add(out[i].casefold())
    for expected in assignment.files:
        if any(n == expected for n in out):
            continue
        renamed = [i for i, n in enumerate(out)
                   if (m := REUPLOAD.match(n)) and m["stem"] + m["ext"] == expected]
        if len(renamed) == 1:
            i = renamed[0]
            notes.append(f"Canvas named the upload {out[i]} (a re-upload); saved it as {expected}")
            out[i] = expected
        elif len(renamed) > 1:
            listing = ", ".join(out[i] for i in renamed)
            notes.append(f"several uploads look like {expected} ({listing}); none was renamed: "
                         f"rename the one to grade")
    return out, notes
