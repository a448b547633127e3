"""Find every student's submission in what an instructor downloaded from the LMS.

    discover(path, assignment, workdir) -> Discovery(students, unmatched, notes, layout)

`path` is the download as it came (a .zip) or unpacked (a folder). Three layouts are
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

Sources (read for this module):
  https://github.com/instructure/canvas-lms/blob/master/lib/content_zipper.rb
  https://github.com/instructure/canvas-lms/blob/master/app/models/attachment.rb
  https://github.com/instructure/canvas-lms/issues/2406
  https://github.com/moodle/moodle/blob/main/mod/assign/locallib.php
  https://github.com/moodle/moodle/commit/381bb721538cbba98ac84447a6da22fdb4dc94a2
      (MDL-62831, the 'Download submissions in folders' help text)
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import stat
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

from ..manifest import Assignment
from .records import Student, Unmatched, safe_id
from ..files import is_junk as _is_junk
from ..submission import SubmissionError

MAX_DOWNLOAD_BYTES = 1 << 30          # a whole class, unpacked
MAX_DOWNLOAD_ENTRIES = 50_000
MARKER = ".autograder-lms-workdir"
EXTRA_JUNK = {"Thumbs.db", "desktop.ini", ".localized", MARKER}

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
MOODLE_FOLDER = re.compile(r"^(?P<name>[^_]*)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_$")
MOODLE_FILE = re.compile(
    r"^(?P<name>[^_]*)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<orig>.+)$", re.S)
REUPLOAD = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<ext>\.[A-Za-z0-9]+)$")
_FOLD = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
         "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "œ": "oe", "Œ": "OE", "ı": "i"}


@dataclasses.dataclass
class Discovery:
    students: list[Student]
    unmatched: list[Unmatched]
    notes: list[str]
    layout: str                   # "canvas", "moodle", "plain" or "mixed"


# ------------------------------------------------------------------ names

def _clean(text: str) -> str:
    """A name fit to print and to write to a CSV (undecodable bytes become U+FFFD)."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return unicodedata.normalize("NFC", text)


def _slug(text: str) -> str:
    """ASCII, folder-safe form of a name ("Zoë Ñúñez" -> "Zoe_Nunez"); "" if nothing is left."""
    text = "".join(_FOLD.get(c, c) for c in unicodedata.normalize("NFKD", _clean(text)))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.encode("ascii", "ignore").decode()
    return safe_id(text) if re.search(r"[A-Za-z0-9]", text) else ""


def _compose(name: str, key: str) -> str:
    """<name>_<key>, folder-safe, the key never cut off."""
    slug = _slug(name)[: max(0, 79 - len(key))].rstrip("._-")
    return safe_id(f"{slug}_{key}" if slug else key)


def _is_skipped(name: str) -> bool:
    return name in EXTRA_JUNK or _is_junk(Path(name))


def _lms_name(name: str, is_dir: bool):
    """('canvas'|'moodle', match) when `name` is an LMS-made name, else None."""
    if is_dir:
        m = MOODLE_FOLDER.match(name)
        if m:
            return "moodle", m
        m = CANVAS_FILE.match(name) or CANVAS_ANON.match(name)
        return ("canvas", m) if m else None
    # Moodle first: its "_assignsubmission_" cannot occur in a Canvas name, while a Moodle
    # file name may hold "_2_3_" that would pass for Canvas ids.
    for kind, rx in (("moodle", MOODLE_FILE), ("canvas", CANVAS_FILE), ("canvas", CANVAS_ANON),
                     ("canvas", CANVAS_TEXT), ("canvas", CANVAS_ANON_TEXT)):
        m = rx.match(name)
        if m:
            return kind, m
    return None


# ------------------------------------------------------------------ unpacking

def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its author meant it: zips made without the UTF-8 flag
    (Windows, some LMS exports) carry UTF-8 bytes that Python decoded as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name.replace("\\", "/"))


def _unpack(archive: Path, dest: Path, shown: str) -> list[Unmatched]:
    """Unpack a class download into `dest` (not the zips inside it: those are students').

    Refused entries (zip slip, symlinks, unreadable) come back as Unmatched rows.
    """
    refused: list[Unmatched] = []
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(
            f"{archive} is not a readable zip file ({exc}). Download it again from the LMS, "
            f"or unzip it yourself and pass the folder.") from exc
    dest.mkdir(parents=True, exist_ok=True)
    root = str(dest.resolve()) + os.sep
    budget = MAX_DOWNLOAD_BYTES
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_DOWNLOAD_ENTRIES:
            raise SubmissionError(
                f"{archive} holds {len(infos)} entries (more than {MAX_DOWNLOAD_ENTRIES}); "
                f"unzip it yourself and pass the folder if it really is a class download.")
        for info in infos:
            name = _entry_name(info)
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if not parts or any(_is_skipped(p) for p in parts):
                continue
            rel = "/".join(parts)
            if name.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:$", parts[0]):
                refused.append(Unmatched(shown + name, "refused: this zip entry points outside "
                                         "the download (zip slip); nothing was written"))
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                refused.append(Unmatched(shown + rel, "refused: a symbolic link inside the zip "
                                         "(it could point anywhere); nothing was written"))
                continue
            target = dest.joinpath(*parts)
            if not str(target.resolve()).startswith(root):
                refused.append(Unmatched(shown + rel, "refused: this zip entry points outside "
                                         "the download; nothing was written"))
                continue
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                budget -= info.file_size
                if budget < 0:
                    raise SubmissionError(
                        f"{archive} unpacks to more than {MAX_DOWNLOAD_BYTES >> 20} MB. Unzip it "
                        f"yourself and pass the folder (folders have no size limit).")
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
            except SubmissionError:
                raise
            except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
                refused.append(Unmatched(shown + rel, f"could not unpack this entry ({exc}); "
                                         f"unzip the download yourself to see it"))
    return refused


def _zip_names(archive: Path) -> list[str] | None:
    try:
        with zipfile.ZipFile(archive) as zf:
            return [_entry_name(i) for i in zf.infolist()[:MAX_DOWNLOAD_ENTRIES]]
    except (zipfile.BadZipFile, OSError):
        return None


def _zip_holds_a_class(names: list[str], assignment: Assignment) -> bool:
    """Does a zip (its entry names) look like a class download rather than one hand-in?"""
    paths = [[p for p in n.split("/") if p not in ("", ".")] for n in names]
    paths = [p for p in paths if p and not any(_is_skipped(x) for x in p)]
    while paths and len({p[0] for p in paths}) == 1 and all(len(p) > 1 for p in paths):
        paths = [p[1:] for p in paths]           # through single wrapper folders
    if any(_lms_name(p[0], len(p) > 1) for p in paths):
        return True
    own = assignment.files[0]
    return sum(1 for p in paths if p[-1] == own) >= 2


# ------------------------------------------------------------------ discovery

@dataclasses.dataclass
class _Item:
    rel: str                  # as shown to humans, relative to the download
    path: Path
    is_dir: bool


@dataclasses.dataclass
class _Candidate:
    kind: str                 # "canvas", "moodle", "plain"
    key: str                  # id before de-duplication
    name: str
    source: str
    lms: dict[str, str]
    items: list[tuple[_Item, str, str]] = dataclasses.field(default_factory=list)
    # (item, original name, plugin/kind tag)
    notes: list[str] = dataclasses.field(default_factory=list)
    path: Path | None = None  # plain and in-place moodle folders
    first_rel: str = ""


def _listing(folder: Path) -> list[Path]:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise SubmissionError(f"cannot list {folder} ({exc.strerror or exc})") from exc
    return [e for e in entries if not _is_skipped(e.name)]


def _prepare_workdir(workdir: Path, download: Path) -> None:
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


def _has_own_file(folder: Path, assignment: Assignment) -> bool:
    return any((folder / name).is_file() for name in assignment.files)


def _descend(root: Path, shown: str, assignment: Assignment, workdir: Path,
             notes: list[str], unmatched: list[Unmatched]) -> tuple[Path, str]:
    """Look through single wrapper folders and a single zip that holds a whole class."""
    for level in range(6):
        items = _listing(root)
        if len(items) != 1 or items[0].is_symlink():
            break
        only = items[0]
        if only.is_dir():
            if _lms_name(only.name, True):
                break
            if _has_own_file(only, assignment):
                notes.append(f"the download holds a single folder '{shown}{only.name}/' with "
                             f"{assignment.files[0]} in it: graded it as one student's submission")
                break
            notes.append(f"looked inside the single folder '{shown}{only.name}/'")
            root, shown = only, f"{shown}{only.name}/"
            continue
        if only.suffix.lower() == ".zip" and not _lms_name(only.name, False):
            names = _zip_names(only)
            if names is not None and _zip_holds_a_class(names, assignment):
                dest = workdir / f"_download-{level + 2}"
                notes.append(f"'{shown}{only.name}' holds a whole class download: unpacked it")
                unmatched.extend(_unpack(only, dest, f"{shown}{only.name}/"))
                root, shown = dest, f"{shown}{only.name}/"
                continue
        break
    return root, shown


def _pyfiles(folder: Path, depth: int = 2) -> tuple[int, list[Path]]:
    """(number of .py files, the .zip files) within `depth` folders down, junk skipped."""
    py, zips = 0, []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        dirnames[:] = sorted(d for d in dirnames if not _is_skipped(d)) if len(rel.parts) < depth else []
        for f in sorted(filenames):
            if _is_skipped(f):
                continue
            if f.endswith(".py"):
                py += 1
            elif f.lower().endswith(".zip") and not (Path(dirpath) / f).is_symlink():
                zips.append(Path(dirpath) / f)
    return py, zips


def _point_at_zip(student: Student, assignment: Assignment) -> None:
    """A folder whose only possible hand-in is one zip is graded from that zip."""
    if not student.path.is_dir():
        return
    try:
        py, zips = _pyfiles(student.path)
    except OSError:
        return
    if py:
        return

    def rel(p: Path) -> str:
        return p.relative_to(student.path).as_posix()

    if len(zips) == 1:
        student.notes.append(f"no .py file in the folder: graded the zip {rel(zips[0])}")
        student.path = zips[0]
    elif len(zips) > 1:
        listing = ", ".join(rel(z) for z in zips[:6])
        student.notes.append(f"no .py file in the folder and {len(zips)} zips ({listing}): none "
                             f"was unpacked; unzip the right one and grade it on its own")


def _copy(src: Path, dst: Path, move: bool) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if move:
        os.replace(src, dst)
    elif src.is_dir():
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copyfile(src, dst)


def _canvas_names(files: list[tuple[str, str]], assignment: Assignment) -> tuple[list[str], list[str]]:
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


def discover(path: Path, assignment: Assignment, workdir: Path) -> Discovery:
    """Every student's submission in an LMS download (folder or .zip); see the module doc."""
    path = Path(path)
    workdir = Path(workdir)
    if not path.exists():
        raise SubmissionError(f"no such file or folder: {path}")
    if not os.access(path, os.R_OK) or (path.is_dir() and not os.access(path, os.X_OK)):
        raise SubmissionError(f"cannot read {path} (permission denied)")
    if not path.is_dir() and not (path.is_file() and path.suffix.lower() == ".zip"):
        raise SubmissionError(f"{path} is not a folder or a .zip: pass the zip the LMS gave you "
                              f"(Canvas 'Download Submissions', Moodle 'Download all "
                              f"submissions') or the folder you unpacked it into")
    _prepare_workdir(workdir, path)
    notes: list[str] = []
    unmatched: list[Unmatched] = []
    if path.is_dir():
        root, shown = path, ""
    else:
        root, shown = workdir / "_download", ""
        unmatched.extend(_unpack(path, root, ""))
    root, shown = _descend(root, shown, assignment, workdir, notes, unmatched)
    ours = workdir.resolve() in root.resolve().parents    # unpacked by us: move, do not copy

    canvas: dict[str, _Candidate] = {}
    moodle: dict[str, _Candidate] = {}
    plain: list[_Candidate] = []
    loose: list[_Item] = []                       # top-level .py/.zip with no LMS name
    lms_files = 0
    for entry in _listing(root):
        item = _Item(_clean(shown + entry.name), entry, entry.is_dir() and not entry.is_symlink())
        if entry.is_symlink():
            unmatched.append(Unmatched(item.rel, "a symbolic link: not followed"))
            continue
        if not item.is_dir and not entry.is_file():
            unmatched.append(Unmatched(item.rel, "not a regular file or folder"))
            continue
        found = _lms_name(entry.name, item.is_dir)
        if found and found[0] == "canvas":
            m = found[1]
            gd = m.groupdict()
            anon = gd.get("anon") or ""
            if anon:
                key, name, uid = f"anon_{anon}", f"anon_{anon}", ""
            else:
                key, name, uid = gd["uid"], _clean(gd["name"]), gd["uid"]
            if gd.get("orig") in (".", ".."):
                unmatched.append(Unmatched(item.rel, "a Canvas name with no file name after the ids"))
                continue
            c = canvas.setdefault(key, _Candidate(
                "canvas", _compose("" if anon else name, key), name, "canvas",
                {"user_id": uid, "submission_id": "", "late": ""}, first_rel=item.rel))
            if anon:
                c.lms["anonymous_id"] = anon
            if name and c.name != name:
                c.notes.append(f"Canvas user {key} appears under two names ({c.name}, {name}); "
                               f"kept {c.name}")
            if gd.get("late"):
                c.lms["late"] = "1"
            tag = gd.get("kind") or gd["fid"]
            c.items.append((item, _clean(gd["orig"]) if gd.get("orig") else _clean(entry.name), tag))
            lms_files += not item.is_dir
            continue
        if found and found[0] == "moodle":
            m = found[1]
            pid, name = m["pid"], _clean(m["name"])
            c = moodle.setdefault(pid, _Candidate(
                "moodle", _compose(name, pid), name, "moodle", {"participant": pid},
                first_rel=item.rel))
            orig = _clean(m["orig"]) if "orig" in m.groupdict() and m["orig"] else ""
            c.items.append((item, orig, m["plugin"]))
            lms_files += not item.is_dir
            continue
        if item.is_dir:
            plain.append(_Candidate("plain", _slug(entry.name) or "student", _clean(entry.name),
                                    "folder", {}, path=entry, first_rel=item.rel))
        elif entry.suffix.lower() in (".py", ".zip"):
            loose.append(item)
        else:
            unmatched.append(Unmatched(item.rel, "not a .py, .zip or folder: no submission "
                                       "could be attributed to it"))

    for item in loose:
        entry = item.path
        if entry.name in assignment.files:
            unmatched.append(Unmatched(item.rel, (
                f"{entry.name} is the assignment's own file name, not a student id: if this "
                f"folder is one student's submission, grade it with `python -m autograder "
                f"grade {assignment.number} PATH` instead")))
        elif lms_files:
            unmatched.append(Unmatched(item.rel, (
                "no student id in the name: the other files here are named by the LMS "
                "(Canvas <name>_<userid>_<fileid>_<file>, Moodle <Full Name>_<id>_"
                "assignsubmission_file_<file>); rename it like them or put it in a folder "
                "named after the student")))
        else:
            stem = entry.name[: -len(entry.suffix)]
            plain.append(_Candidate("plain", _slug(stem) or "student", _clean(stem),
                                    "file" if entry.suffix.lower() == ".py" else "zip", {},
                                    path=entry, first_rel=item.rel))

    # ---- ids: unique, case-insensitively (macOS and Windows folders), notes on both sides
    candidates = sorted([*canvas.values(), *moodle.values(), *plain],
                        key=lambda c: (c.key.casefold(), c.kind, c.first_rel))
    taken: dict[str, _Candidate] = {}
    ids: dict[int, str] = {}
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
        ids[id(c)] = sid

    # ---- materialise: Canvas and flat Moodle files are grouped into workdir/<id>/
    students: list[Student] = []
    for c in candidates:
        sid = ids[id(c)]
        if c.kind == "canvas":
            dest = workdir / sid
            dest.mkdir(parents=True, exist_ok=True)
            uploads = [(orig, tag) for _, orig, tag in c.items]
            files = [(o, t) for o, t in uploads if t not in ("text", "link")]
            names, extra = _canvas_names(files, assignment)
            it = iter(names)
            fids: list[str] = []
            for item, orig, tag in c.items:
                if tag in ("text", "link"):
                    target = dest / item.path.name
                    c.notes.append("handed in an online text entry, not a file" if tag == "text"
                                   else "handed in a website URL, not a file")
                else:
                    target = dest / next(it)
                    fids.append(tag)
                try:
                    _copy(item.path, target, move=ours)
                except OSError as exc:
                    unmatched.append(Unmatched(item.rel, f"could not copy it into {dest} ({exc})"))
            c.notes.extend(extra)
            c.lms["submission_id"] = ",".join(sorted(set(fids), key=int))
            if c.lms["late"]:
                c.notes.append("Canvas marked this submission late")
            if c.lms.get("anonymous_id"):
                c.notes.append("anonymous grading: Canvas gave no name, the id is Canvas's "
                               "anonymous id")
            path = dest
        elif c.kind == "moodle":
            folders = [(i, p) for i, o, p in c.items if i.is_dir]
            flat = [(i, o, p) for i, o, p in c.items if not i.is_dir]
            by_plugin = {p: i for i, p in folders}
            for plugin in sorted(set(p for _, _, p in c.items) - {"file"}):
                c.notes.append(f"also handed in Moodle '{plugin}' content; only files are graded"
                               if "file" in {p for _, _, p in c.items}
                               else f"handed in Moodle '{plugin}' content only, no file")
            if not flat and len(folders) == 1:
                path = folders[0][0].path
            elif not flat:
                path = by_plugin.get("file", folders[0][0]).path
            else:
                path = workdir / sid
                path.mkdir(parents=True, exist_ok=True)
                for item, plugin in folders:
                    try:
                        _copy(item.path, path, move=False)
                    except OSError as exc:
                        unmatched.append(Unmatched(item.rel, f"could not copy it into {path} ({exc})"))
                for item, orig, plugin in flat:
                    target = path / orig
                    if target.exists():
                        target = path / f"{plugin}_{orig}"
                        c.notes.append(f"two files named {orig}: saved the {plugin} one as "
                                       f"{target.name}")
                    try:
                        _copy(item.path, target, move=ours)
                    except OSError as exc:
                        unmatched.append(Unmatched(item.rel, f"could not copy it into {path} ({exc})"))
            if c.name == "Participant":
                c.notes.append("blind marking: Moodle gave no name, only the participant id")
        else:
            path = c.path
        student = Student(id=sid, name=c.name, path=path, source=c.source, lms=dict(c.lms),
                          notes=list(c.notes))
        _point_at_zip(student, assignment)
        students.append(student)
    students.sort(key=lambda s: (s.id.casefold(), s.id))

    counts = Counter(c.kind for c in candidates)
    kinds = [k for k in ("canvas", "moodle", "plain") if counts[k]]
    layout = kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "plain")
    what = {"canvas": "from Canvas file names", "moodle": "from Moodle names",
            "plain": "plain folders/files"}
    if not students:
        notes.append(f"no submissions found in {path}")
    elif layout == "mixed":
        notes.append("mixed download: " + ", ".join(f"{counts[k]} {what[k]}" for k in kinds))
    else:
        late = sum(1 for s in students if s.lms.get("late"))
        notes.append(f"{layout} download: {len(students)} student(s) {what[layout]}"
                     + (f", {late} late" if late else ""))
    if unmatched:
        notes.append(f"{len(unmatched)} item(s) could not be attributed to a student (see unmatched)")
    unmatched.sort(key=lambda u: u.path)
    return Discovery(students=students, unmatched=unmatched, notes=notes, layout=layout)
