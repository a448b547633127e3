"""Find every student's submission in what an instructor downloaded from the LMS.

    discover(path, assignment, workdir) -> Discovery(students, unmatched, notes, layout)

`path` is the download as it came (a .zip) or unpacked (a folder). Four layouts are
recognised, and may be mixed in one download (layout "mixed"):

canvas  "Download Submissions": one zip of flat files, each named
            <sortablename>[_LATE]_<userid>_<fileid>_<original filename>
        Canvas builds the name in lib/content_zipper.rb (instructure/canvas-lms,
        ContentZipper#get_filename and #add_upload_submission): the sortable name
        ("Lovelace, Ada") is downcased and stripped to word characters ("lovelaceada";
        letters of any script stay, "ñúñezzoë"), and any "_<digits>_" inside it is
        collapsed so the ids can be found (sanitize_user_name); LATE is added when the
        submission is late (matched in any case: "late" is also seen in the wild); the
        second number is the id of the uploaded file (Canvas's attachment id, kept as
        lms["submission_id"], comma-separated when a student uploaded several files);
        the original filename had only \\/:*?"<>| replaced. Duplicate names get "-1",
        "-2" before the extension (Attachment.make_unique_filename), which is also what
        students see when they re-upload a file ("consumer-1.py", canvas-lms issue
        #2406 shows a real "studenttest_3143_207797_zipsubmission.zip"). With anonymous
        grading the name is left out and the id is "anon_<anonymous id>". Text entries
        and URLs arrive as <name>[_LATE]_<userid>_text.html / _link.html.
        A student's files are grouped by user id into workdir/<id>/ under their
        original names; lms = {"user_id", "submission_id", "late": "1" or ""}.
moodle  "Download all submissions" (mod/assign/locallib.php, assign::download_submissions,
        moodle/moodle, Moodle 4.x): the prefix is clean_filename(<full name with "_" turned into
        spaces>_<participant id>) and, with "Download submissions in folders" on
        (the default since Moodle 3.1; string 'downloadasfolders'), every plugin gets a
        folder  <Full Name>_<participant>_assignsubmission_file_/  (also _onlinetext_)
        keeping the student's subfolders; with it off, flat files
        <Full Name>_<participant>_assignsubmission_file_<filename>. Blind marking
        writes "Participant" for the name, team submissions "<group>-<name>".
        lms = {"participant": id}.
classroom  GitHub Classroom's students' repositories (`gh classroom clone student-repos`:
        <slug>-submissions/<slug>-<username>/, each a clone of the kit's student
        release): the folder assignments/<slug>/ of each is graded; the id is the GitHub
        username (the repository name without the prefix all share). lms = {"github",
        "repository", "commit"}.
plain   one folder, one .py or one .zip per student at the top level; the id is the
        name (without .py/.zip). Whatever is inside a folder is left for
        submission.stage to find (another file name, one folder down).

A single wrapper folder around the download (e.g. "submissions/") is looked through,
and so is a single zip that itself holds a class download. A student folder whose only
possible hand-in is one .zip (no .py in it) is graded from that zip, because stage
unpacks zips it is given but not zips inside folders.

Junk (__MACOSX, .DS_Store, ._*, Thumbs.db ...) is skipped silently; anything else that
cannot be attributed to a student becomes an Unmatched row with the reason. Student ids
are folder-safe (records.safe_id, accents folded to ASCII) and unique within the batch,
case-insensitively; a collision gets "-2", "-3" and a note on both students.

workdir is discovery's own scratch folder (the unpacked zip, Canvas students' grouped
files). It must be empty, or hold the marker file a previous discover() left there; it is
then emptied. It must not be inside the download, nor the download inside it.

The package, in the order discover() uses it:

    download.py   the download checked, unpacked (files.safe_unzip under this package's
                  limits), looked through single wrappers, its entries listed as Items
    layout.py     what a layout is: match(item) -> the ids in its name, or None; claim(item);
                  candidates(); materialise(candidate, id) -> Student
    moodle.py  canvas.py  classroom.py  plain.py    the layouts, offered every item in that order
    names.py      junk, printable names, folder-safe ids
    discover()    every item to the first layout that matches it (what none claims is
                  Unmatched), ids made unique, every candidate materialised, a summary

Sources (read for this package):
  https://github.com/instructure/canvas-lms/blob/master/lib/content_zipper.rb
  https://github.com/instructure/canvas-lms/blob/master/app/models/attachment.rb
  https://github.com/instructure/canvas-lms/issues/2406
  https://github.com/moodle/moodle/blob/main/mod/assign/locallib.php
  https://github.com/moodle/moodle/commit/381bb721538cbba98ac84447a6da22fdb4dc94a2
      (MDL-62831, the 'Download submissions in folders' help text)
  https://github.com/github/gh-classroom/blob/main/cmd/gh-classroom/clone/student-repos/student-repos.go
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

from ...manifest import Assignment
from ..records import Student, Unmatched
from . import download
from .canvas import CanvasLayout
from .classroom import ClassroomLayout
from .download import MAX_DOWNLOAD_BYTES, MAX_DOWNLOAD_ENTRIES
from .layout import Candidate, Context, Item, Layout, point_at_zip
from .moodle import MoodleLayout
from .names import MARKER
from .plain import PlainLayout

__all__ = ["Discovery", "discover", "LAYOUTS", "Layout", "Candidate", "Item",
           "MAX_DOWNLOAD_BYTES", "MAX_DOWNLOAD_ENTRIES", "MARKER"]

# Offered every item in this order; the first whose match() answers claims it.
LAYOUTS: tuple[type[Layout], ...] = (MoodleLayout, CanvasLayout, ClassroomLayout, PlainLayout)
UNCLAIMED = "not a .py, .zip or folder: no submission could be attributed to it"


@dataclasses.dataclass
class Discovery:
    students: list[Student]
    unmatched: list[Unmatched]
    notes: list[str]
    layout: str                   # "canvas", "moodle", "classroom", "plain" or "mixed"


def discover(path: Path, assignment: Assignment, workdir: Path) -> Discovery:
    """Every student's submission in an LMS download (folder or .zip); see the package doc."""
    path, workdir = Path(path), Path(workdir)
    download.check(path)
    download.prepare_workdir(workdir, path)
    ctx = Context(assignment, workdir, unmatched=[])
    layouts = [cls(ctx) for cls in LAYOUTS]

    def is_lms_name(name: str, is_dir: bool) -> bool:
        return any(lay.names_students and lay.match(Item(name, is_dir)) is not None
                   for lay in layouts)

    root, shown = download.open_download(path, ctx, is_lms_name)
    for item in download.items(root, shown, ctx):
        _claim(item, layouts, ctx)
    ctx.lms_files = sum(lay.files for lay in layouts if lay.names_students)
    found = sorted(((c, lay) for lay in layouts for c in lay.candidates()),
                   key=lambda p: (p[0].key.casefold(), p[0].kind, p[0].first_rel))
    ids = _unique_ids([c for c, _ in found])
    students = []
    for (c, lay), sid in zip(found, ids):
        s = lay.materialise(c, sid)
        point_at_zip(s)
        students.append(s)
    students.sort(key=lambda s: (s.id.casefold(), s.id))
    kind = _summarise(path, [c for c, _ in found], students, layouts, ctx)
    ctx.unmatched.sort(key=lambda u: u.path)
    return Discovery(students=students, unmatched=ctx.unmatched, notes=ctx.notes, layout=kind)


def _claim(item: Item, layouts: list[Layout], ctx: Context) -> None:
    for layout in layouts:
        ids = layout.match(item)
        if ids is not None:
            layout.claim(item, ids)
            return
    ctx.unmatched.append(Unmatched(item.rel, UNCLAIMED))


def _unique_ids(candidates: list[Candidate]) -> list[str]:
    """Each candidate's id, unique case-insensitively (macOS and Windows folders): a
    collision gets "-2", "-3" and a note on both sides."""
    taken: dict[str, Candidate] = {}
    out = []
    for c in candidates:
        sid, n = c.key, 1
        while sid.casefold() in taken:
            n += 1
            sid = f"{c.key}-{n}"
        if n > 1:
            first = taken[c.key.casefold()]
            c.notes.append(f"{first.first_rel} also maps to the id {c.key}; this one "
                           f"({c.first_rel}) became {sid}: check which is this student's")
            first.notes.append(f"{c.first_rel} also maps to this id; it became {sid}: check "
                               f"which is this student's")
        taken[sid.casefold()] = c
        out.append(sid)
    return out


def _summarise(path: Path, candidates: list[Candidate], students: list[Student],
               layouts: list[Layout], ctx: Context) -> str:
    """The download's layout ("mixed" when several), and the notes that sum it up."""
    counts = Counter(c.kind for c in candidates)
    what = {lay.kind: lay.what for lay in layouts}
    kinds = [k for k in sorted(what) if counts[k]]     # canvas, classroom, moodle, plain
    kind = kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "plain")
    if not students:
        ctx.notes.append(f"no submissions found in {path}")
    elif kind == "mixed":
        ctx.notes.append("mixed download: " + ", ".join(f"{counts[k]} {what[k]}" for k in kinds))
    else:
        late = sum(1 for s in students if s.lms.get("late"))
        ctx.notes.append(f"{kind} download: {len(students)} student(s) {what[kind]}"
                         + (f", {late} late" if late else ""))
    if ctx.unmatched:
        ctx.notes.append(f"{len(ctx.unmatched)} item(s) could not be attributed to a student "
                         f"(see unmatched)")
    return kind
