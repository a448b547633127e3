"""autograder.instructor.lms.discover: Canvas, Moodle, plain and mixed downloads (no grading)."""
from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from autograder.instructor import lms
from autograder import manifest
from autograder.instructor.records import Unmatched
from autograder.submission import SubmissionError

A1 = manifest.get(1)            # files = ["consumer.py"]
CODE = "def process_all(items, handle, num_workers=3, queue_size=5):\n    return {}\n"


# ------------------------------------------------------------------ helpers

def _tree(root: Path, files: dict[str, str | bytes | None]) -> Path:
    """Files under root; None makes an (empty) folder."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        p = root / rel
        if data is None:
            p.mkdir(parents=True, exist_ok=True)
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return root


def _zip_bytes(entries: dict[str, str | bytes | None], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            if data is None:
                zf.writestr(zipfile.ZipInfo(name.rstrip("/") + "/"), b"")
            else:
                zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


def _zip(path: Path, entries: dict, symlinks: dict[str, str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_zip_bytes(entries, symlinks))
    return path


def _files(path: Path) -> list[str]:
    """What a Student.path holds: the files of a folder (relative), or a file's own name."""
    if path.is_file():
        return [path.name]
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


def _by_id(found: lms.Discovery) -> dict:
    return {s.id: s for s in found.students}


def _has(notes: list[str], *words: str) -> bool:
    return any(all(w in n for w in words) for n in notes)


# ------------------------------------------------------------------ canvas

CANVAS = {
    "lovelaceada_12345_67890_consumer.py": CODE,
    "lovelaceada_12345_67891_notes.txt": "my notes",
    "babbagecharles_LATE_222_333_consumer.py": CODE,
    "hoppergrace_late_444_555_consumer-1.py": CODE,
    "ñúñezzoë_666_777_submission.zip": _zip_bytes({"hw/consumer.py": CODE}),
    "turingalan_888_text.html": "<p>I forgot to attach it</p>",
    "__MACOSX/._lovelaceada_12345_67890_consumer.py": "junk",
    ".DS_Store": "junk",
    "consumer.py": CODE,                      # a Canvas file that lost its prefix
    "grades.csv": "id,score\n",               # from an earlier run
}


def _check_canvas(found: lms.Discovery, workdir: Path) -> None:
    assert found.layout == "canvas"
    assert [s.id for s in found.students] == [
        "babbagecharles_222", "hoppergrace_444", "lovelaceada_12345", "nunezzoe_666", "turingalan_888"]
    s = _by_id(found)
    ada = s["lovelaceada_12345"]
    assert (ada.name, ada.source) == ("lovelaceada", "canvas")
    assert ada.lms == {"user_id": "12345", "submission_id": "67890,67891", "late": ""}
    assert ada.path == workdir / "lovelaceada_12345"
    assert _files(ada.path) == ["consumer.py", "notes.txt"]
    assert (ada.path / "consumer.py").read_text() == CODE
    assert ada.notes == []

    late = s["babbagecharles_222"]
    assert late.lms == {"user_id": "222", "submission_id": "333", "late": "1"}
    assert _files(late.path) == ["consumer.py"] and _has(late.notes, "late")

    grace = s["hoppergrace_444"]
    assert grace.lms["late"] == "1"
    assert _files(grace.path) == ["consumer.py"]        # Canvas's re-upload name undone ...
    assert _has(grace.notes, "consumer-1.py", "consumer.py")   # ... and said so

    zoe = s["nunezzoe_666"]
    assert zoe.name == "ñúñezzoë"
    assert zoe.path == workdir / "nunezzoe_666" / "submission.zip"   # stage unpacks it
    assert zipfile.ZipFile(zoe.path).namelist() == ["hw/consumer.py"]
    assert _has(zoe.notes, "submission.zip")

    alan = s["turingalan_888"]
    assert alan.lms == {"user_id": "888", "submission_id": "", "late": ""}
    assert _files(alan.path) == ["turingalan_888_text.html"]
    assert _has(alan.notes, "online text")

    assert [u.path for u in found.unmatched] == ["consumer.py", "grades.csv"]
    assert "assignment's own file name" in found.unmatched[0].reason
    assert "not a .py, .zip or folder" in found.unmatched[1].reason
    assert _has(found.notes, "canvas download", "5 student", "2 late")


def test_canvas_zip(tmp_path):
    download = _zip(tmp_path / "submissions.zip", CANVAS)
    found = lms.discover(download, A1, tmp_path / "work")
    _check_canvas(found, tmp_path / "work")


def test_canvas_folder_is_copied_and_left_untouched(tmp_path):
    download = _tree(tmp_path / "submissions", CANVAS)
    before = _files(download)
    found = lms.discover(download, A1, tmp_path / "work")
    _check_canvas(found, tmp_path / "work")
    assert _files(download) == before


def test_canvas_lost_prefix_with_another_name_is_unmatched(tmp_path):
    download = _tree(tmp_path / "dl", {"lovelaceada_1_2_consumer.py": CODE, "mine.py": CODE,
                                       "ada.zip": _zip_bytes({"consumer.py": CODE})})
    found = lms.discover(download, A1, tmp_path / "work")
    assert [s.id for s in found.students] == ["lovelaceada_1"]
    assert [u.path for u in found.unmatched] == ["ada.zip", "mine.py"]
    assert all("no student id in the name" in u.reason for u in found.unmatched)


def test_canvas_anonymous_and_several_reuploads(tmp_path):
    download = _tree(tmp_path / "dl", {
        "anon_aB3xY_901_consumer.py": CODE,
        "LATE_anon_Qz9kP_902_consumer-1.py": CODE,
        "LATE_anon_Qz9kP_903_consumer-2.py": CODE,
        "smithjo_7_11_consumer.py": CODE,
        "smithjo_7_12_consumer-1.py": CODE,
    })
    found = lms.discover(download, A1, tmp_path / "work")
    s = _by_id(found)
    assert list(s) == ["anon_aB3xY", "anon_Qz9kP", "smithjo_7"]
    assert s["anon_aB3xY"].lms == {"user_id": "", "submission_id": "901", "late": "",
                                   "anonymous_id": "aB3xY"}
    assert _has(s["anon_aB3xY"].notes, "anonymous")
    two = s["anon_Qz9kP"]
    assert two.lms["late"] == "1" and two.lms["submission_id"] == "902,903"
    assert _files(two.path) == ["consumer-1.py", "consumer-2.py"]      # not guessed ...
    assert _has(two.notes, "several uploads look like consumer.py", "none was renamed")
    jo = s["smithjo_7"]                                                # an exact name wins
    assert _files(jo.path) == ["consumer-1.py", "consumer.py"] and jo.notes == []


def test_canvas_two_uploads_with_the_same_name_keep_both(tmp_path):
    download = _tree(tmp_path / "dl", {"a_5_1_consumer.py": "one", "a_5_2_consumer.py": "two"})
    (ada,) = lms.discover(download, A1, tmp_path / "work").students
    assert _files(ada.path) == ["consumer-2.py", "consumer.py"]
    assert (ada.path / "consumer.py").read_text() == "one"
    assert _has(ada.notes, "two uploads named consumer.py", "consumer-2.py")


# ------------------------------------------------------------------ moodle

def test_moodle_folders_zip(tmp_path):
    download = _zip(tmp_path / "COURSE-Assignment 1-42.zip", {
        "Ada Lovelace_101_assignsubmission_file_/consumer.py": CODE,
        "Zoë Ñúñez_102_assignsubmission_file_/src/consumer.py": CODE,
        "Zoë Ñúñez_102_assignsubmission_onlinetext_/onlinetext.html": "<p>hi</p>",
        "Grace Hopper_103_assignsubmission_file_/": None,                 # empty: still a student
        "Alan Turing_104_assignsubmission_file_/handin.zip": _zip_bytes({"consumer.py": CODE}),
        "Carol Xu_105_assignsubmission_onlinetext_/onlinetext.html": "<p>no file</p>",
    })
    work = tmp_path / "work"
    found = lms.discover(download, A1, work)
    assert found.layout == "moodle" and found.unmatched == []
    s = _by_id(found)
    assert list(s) == ["Ada_Lovelace_101", "Alan_Turing_104", "Carol_Xu_105",
                       "Grace_Hopper_103", "Zoe_Nunez_102"]
    unpacked = work / "_download"
    ada = s["Ada_Lovelace_101"]
    assert (ada.name, ada.source, ada.lms) == ("Ada Lovelace", "moodle", {"participant": "101"})
    assert ada.path == unpacked / "Ada Lovelace_101_assignsubmission_file_"
    assert _files(ada.path) == ["consumer.py"] and ada.notes == []
    zoe = s["Zoe_Nunez_102"]
    assert zoe.name == "Zoë Ñúñez"
    assert zoe.path == unpacked / "Zoë Ñúñez_102_assignsubmission_file_"
    assert _files(zoe.path) == ["src/consumer.py"]
    assert _has(zoe.notes, "onlinetext", "only files are graded")
    grace = s["Grace_Hopper_103"]
    assert grace.path.is_dir() and _files(grace.path) == []
    alan = s["Alan_Turing_104"]
    assert alan.path == unpacked / "Alan Turing_104_assignsubmission_file_" / "handin.zip"
    carol = s["Carol_Xu_105"]
    assert _files(carol.path) == ["onlinetext.html"] and _has(carol.notes, "onlinetext", "no file")
    assert _has(found.notes, "moodle download", "5 student")


def test_moodle_flat_files(tmp_path):
    download = _tree(tmp_path / "dl", {
        "Ada Lovelace_101_assignsubmission_file_consumer.py": CODE,
        "Ada Lovelace_101_assignsubmission_file_helper.py": "X = 1\n",
        "Ada Lovelace_101_assignsubmission_file_lab_2_3_notes.txt": "not Canvas ids",
        "Ada Lovelace_101_assignsubmission_onlinetext_onlinetext.html": "<p>hi</p>",
        "Participant_555_assignsubmission_file_consumer.py": CODE,
        "Thumbs.db": "junk",
        "stray.py": CODE,
    })
    work = tmp_path / "work"
    found = lms.discover(download, A1, work)
    assert found.layout == "moodle"
    s = _by_id(found)
    assert list(s) == ["Ada_Lovelace_101", "Participant_555"]
    ada = s["Ada_Lovelace_101"]
    assert ada.path == work / "Ada_Lovelace_101" and ada.lms == {"participant": "101"}
    assert _files(ada.path) == ["consumer.py", "helper.py", "lab_2_3_notes.txt", "onlinetext.html"]
    blind = s["Participant_555"]
    assert _files(blind.path) == ["consumer.py"] and _has(blind.notes, "blind marking")
    assert found.unmatched == [Unmatched("stray.py", found.unmatched[0].reason)]
    assert "no student id in the name" in found.unmatched[0].reason


# ------------------------------------------------------------------ plain

def test_plain_folder(tmp_path):
    download = _tree(tmp_path / "dl", {
        "ada/consumer.py": CODE,
        "bob/src/consumer.py": CODE,                  # one folder down: stage finds it
        "carol.py": CODE,
        "dave.zip": _zip_bytes({"consumer.py": CODE}),
        "Zoë Ñúñez/consumer.py": CODE,
        "my homework_2024_1_final.py": CODE,         # not a Canvas name: it has a space
        "empty": None,
        "erin/handin.zip": _zip_bytes({"consumer.py": CODE}),
        "frank/a.zip": _zip_bytes({"consumer.py": "A"}),
        "frank/b.zip": _zip_bytes({"consumer.py": "B"}),
        "README.txt": "read me",
        "index.html": "<html/>",
        ".DS_Store": "junk",
        "__MACOSX/._ada": "junk",
        "._carol.py": "junk",
    })
    found = lms.discover(download, A1, tmp_path / "work")
    assert found.layout == "plain"
    got = [(s.id, s.name, s.source, s.path, s.lms) for s in found.students]
    assert got == [
        ("ada", "ada", "folder", download / "ada", {}),
        ("bob", "bob", "folder", download / "bob", {}),
        ("carol", "carol", "file", download / "carol.py", {}),
        ("dave", "dave", "zip", download / "dave.zip", {}),
        ("empty", "empty", "folder", download / "empty", {}),
        ("erin", "erin", "folder", download / "erin" / "handin.zip", {}),
        ("frank", "frank", "folder", download / "frank", {}),
        ("my_homework_2024_1_final", "my homework_2024_1_final", "file",
         download / "my homework_2024_1_final.py", {}),
        ("Zoe_Nunez", "Zoë Ñúñez", "folder", download / "Zoë Ñúñez", {}),
    ]
    s = _by_id(found)
    assert s["ada"].notes == [] and s["empty"].notes == []
    assert _has(s["erin"].notes, "handin.zip")
    assert _has(s["frank"].notes, "2 zips", "a.zip", "b.zip")
    assert [(u.path, u.reason.split(":")[0]) for u in found.unmatched] == [
        ("README.txt", "not a .py, .zip or folder"), ("index.html", "not a .py, .zip or folder")]
    assert _has(found.notes, "plain download", "9 student")


def test_ids_collide_case_and_accents(tmp_path):
    download = _tree(tmp_path / "dl", {"ada/consumer.py": CODE, "ada.py": CODE,
                                       "ADA.zip": _zip_bytes({"consumer.py": CODE}),
                                       "Zoë/consumer.py": CODE, "Zoe/consumer.py": CODE})
    found = lms.discover(download, A1, tmp_path / "work")
    got = [(s.id, s.path.name) for s in found.students]
    assert got == [("ADA", "ADA.zip"), ("ada-2", "ada"), ("ada-3", "ada.py"),
                   ("Zoe", "Zoe"), ("Zoe-2", "Zoë")]
    s = _by_id(found)
    assert _has(s["ADA"].notes, "ada", "ada-2") and _has(s["ADA"].notes, "ada.py", "ada-3")
    assert _has(s["ada-2"].notes, "ADA.zip", "became ada-2")
    assert _has(s["Zoe"].notes, "Zoë", "Zoe-2") and _has(s["Zoe-2"].notes, "became Zoe-2")


def test_undecodable_name_on_disk(tmp_path):
    download = _tree(tmp_path / "dl", {"ok/consumer.py": CODE})
    (download / os.fsdecode(b"caf\xe9.py")).write_bytes(b"x = '\xff'\n")   # a latin-1 name
    (download / os.fsdecode(b"r\xe9sum\xe9.txt")).write_bytes(b"")
    found = lms.discover(download, A1, tmp_path / "work")
    got = [(s.id, s.name) for s in found.students]
    assert got == [("caf", "caf\ufffd"), ("ok", "ok")]
    assert [u.path for u in found.unmatched] == ["r\ufffdsum\ufffd.txt"]   # printable, CSV-safe


# ------------------------------------------------------------------ wrappers and nesting

def test_wrapper_folder_in_zip(tmp_path):
    download = _zip(tmp_path / "dl.zip", {
        "submissions/ada/consumer.py": CODE, "submissions/bob.py": CODE,
        "__MACOSX/submissions/._bob.py": "junk"})
    found = lms.discover(download, A1, tmp_path / "work")
    assert [(s.id, _files(s.path)) for s in found.students] == [
        ("ada", ["consumer.py"]), ("bob", ["bob.py"])]
    assert _has(found.notes, "looked inside", "submissions/")


def test_class_zip_inside_wrapper_folder_inside_zip(tmp_path):
    inner = _zip_bytes({"lovelaceada_1_10_consumer.py": CODE, "hopper_2_20_consumer.py": CODE,
                        "README.txt": "x"})
    download = _zip(tmp_path / "outer.zip", {"export/class.zip": inner})
    found = lms.discover(download, A1, tmp_path / "work")
    assert found.layout == "canvas"
    assert [(s.id, _files(s.path)) for s in found.students] == [
        ("hopper_2", ["consumer.py"]), ("lovelaceada_1", ["consumer.py"])]
    assert found.unmatched == [Unmatched("export/class.zip/README.txt", found.unmatched[0].reason)]
    assert _has(found.notes, "looked inside", "export/")
    assert _has(found.notes, "class.zip", "whole class")


def test_single_student_zip_at_the_top_is_a_student(tmp_path):
    download = _tree(tmp_path / "dl", {"ada.zip": _zip_bytes({"ada/consumer.py": CODE})})
    found = lms.discover(download, A1, tmp_path / "work")
    assert [(s.id, s.path) for s in found.students] == [("ada", download / "ada.zip")]


def test_single_student_folder_is_not_a_wrapper(tmp_path):
    download = _tree(tmp_path / "dl", {"ada/consumer.py": CODE})
    found = lms.discover(download, A1, tmp_path / "work")
    assert [(s.id, s.path) for s in found.students] == [("ada", download / "ada")]
    assert _has(found.notes, "single folder", "one student")


def test_student_folder_passed_as_download(tmp_path):
    download = _tree(tmp_path / "ada", {"consumer.py": CODE})
    found = lms.discover(download, A1, tmp_path / "work")
    assert found.students == []
    assert [u.path for u in found.unmatched] == ["consumer.py"]
    assert "python -m autograder grade 1" in found.unmatched[0].reason


# ------------------------------------------------------------------ mixed

def test_mixed_download(tmp_path):
    download = _tree(tmp_path / "dl", {
        "lovelaceada_1_10_consumer.py": CODE,
        "Grace Hopper_103_assignsubmission_file_/consumer.py": CODE,
        "emailed-late/consumer.py": CODE,
    })
    found = lms.discover(download, A1, tmp_path / "work")
    assert found.layout == "mixed"
    assert [(s.id, s.source) for s in found.students] == [
        ("emailed-late", "folder"), ("Grace_Hopper_103", "moodle"), ("lovelaceada_1", "canvas")]
    assert _has(found.notes, "mixed", "1 from Canvas", "1 from Moodle", "1 plain")


# ------------------------------------------------------------------ safety

def test_zip_slip_symlink_and_absolute_entries_are_refused(tmp_path):
    download = _zip(tmp_path / "in" / "dl.zip", {
        "ada/consumer.py": CODE, "../evil.py": "boom", "/abs.py": "boom",
        "bob/../../evil2.py": "boom"}, symlinks={"bob/consumer.py": "/etc/passwd"})
    work = tmp_path / "work"
    found = lms.discover(download, A1, work)
    assert [(s.id, _files(s.path)) for s in found.students] == [("ada", ["consumer.py"])]
    assert [u.path for u in found.unmatched] == ["../evil.py", "/abs.py", "bob/../../evil2.py",
                                                 "bob/consumer.py"]
    assert all(u.reason.startswith("refused") for u in found.unmatched)
    assert all("outside the download (zip slip)" in u.reason for u in found.unmatched[:3])
    assert _has([found.unmatched[-1].reason], "symbolic link")
    for p in (tmp_path / "evil.py", tmp_path / "in" / "evil.py", tmp_path / "evil2.py",
              tmp_path / "abs.py", Path("/abs.py")):
        assert not p.exists()
    assert not any(p.is_symlink() for p in work.rglob("*"))


def test_unreadable_zip_entry_is_unmatched(tmp_path):
    raw = _zip_bytes({"ada/consumer.py": CODE, "./bob//consumer.py": "BROKEN = 1\n"})
    at = raw.index(b"BROKEN")
    path = tmp_path / "dl.zip"
    path.write_bytes(raw[:at] + b"X" + raw[at + 1:])            # its CRC no longer matches
    found = lms.discover(path, A1, tmp_path / "work")
    assert [s.id for s in found.students] == ["ada", "bob"]      # bob's folder, empty
    assert [u.path for u in found.unmatched] == ["bob/consumer.py"]
    assert _has([found.unmatched[0].reason], "could not unpack this entry", "CRC",
                "unzip the download yourself")


@pytest.mark.parametrize("limit, value, words", [
    ("MAX_DOWNLOAD_ENTRIES", 2, "holds 3 entries (more than 2); unzip it yourself"),
    ("MAX_DOWNLOAD_BYTES", 1 << 20, "unpacks to more than 1 MB. Unzip it yourself"),
])
def test_download_over_the_limits(tmp_path, monkeypatch, limit, value, words):
    monkeypatch.setattr(lms.download, limit, value)
    big = _zip_bytes({"lovelaceada_1_2_consumer.py": "#" * (2 << 20)})
    inner = _zip(tmp_path / "class.zip", {"a/consumer.py": CODE, "b/consumer.py": CODE,
                                          "c/consumer.py": CODE})
    for download in (_zip(tmp_path / "dl.zip", {"x.py": "", "y.py": "", "lovelaceada_1_2_c.zip": big}),
                     _tree(tmp_path / "wrap", {"class.zip": inner.read_bytes()})):
        if limit == "MAX_DOWNLOAD_BYTES" and download.is_dir():
            continue                                   # three small files: within 1 MB
        with pytest.raises(SubmissionError) as err:
            lms.discover(download, A1, tmp_path / "work")
        assert words in str(err.value) and str(err.value).startswith(str(download)), err.value


def test_zip_name_without_utf8_flag(tmp_path):
    # A zip written without the UTF-8 flag: the name's UTF-8 bytes are read back as cp437.
    raw = _zip_bytes({"ZoXX_7_8_consumer.py": CODE})
    path = tmp_path / "dl.zip"
    path.write_bytes(raw.replace(b"ZoXX", "Zoë".encode()))       # same length, no flag
    (zoe,) = lms.discover(path, A1, tmp_path / "work").students
    assert (zoe.id, zoe.name) == ("Zoe_7", "Zoë")


def test_not_utf8_and_big_files_do_not_matter(tmp_path):
    latin, big = b"\xff\xfe not utf-8 \x00", b"#" * (3 << 20)
    download = _tree(tmp_path / "dl", {"a_1_2_consumer.py": latin, "b_3_4_consumer.py": big})
    found = lms.discover(download, A1, tmp_path / "work")
    assert [(s.id, (s.path / "consumer.py").read_bytes()) for s in found.students] == [
        ("a_1", latin), ("b_3", big)]


# ------------------------------------------------------------------ errors and the workdir

@pytest.mark.parametrize("make, words", [
    (lambda d: d / "nope", "no such file or folder"),
    (lambda d: _tree(d / "x", {"grades.csv": "a"}) / "grades.csv", "not a folder or a .zip"),
    (lambda d: _tree(d / "x", {"fake.zip": "not a zip"}) / "fake.zip", "not a readable zip"),
])
def test_unusable_download(tmp_path, make, words):
    with pytest.raises(SubmissionError, match=words):
        lms.discover(make(tmp_path), A1, tmp_path / "work")


def test_workdir_rules(tmp_path):
    download = _tree(tmp_path / "dl", {"lovelaceada_1_10_consumer.py": CODE})
    with pytest.raises(SubmissionError, match="inside the download"):
        lms.discover(download, A1, download / "work")
    with pytest.raises(SubmissionError, match="inside the working folder"):
        lms.discover(download, A1, tmp_path)
    busy = _tree(tmp_path / "busy", {"thesis.tex": "precious"})
    with pytest.raises(SubmissionError, match="not empty"):
        lms.discover(download, A1, busy)
    assert (busy / "thesis.tex").read_text() == "precious"
    work = tmp_path / "work"
    lms.discover(download, A1, work)
    (work / "lovelaceada_1" / "stale.py").write_text("from an earlier run")
    (ada,) = lms.discover(download, A1, work).students          # our own workdir: emptied
    assert _files(ada.path) == ["consumer.py"]


def test_our_marker_and_os_litter_are_skipped(tmp_path):
    download = _tree(tmp_path / "dl", {lms.MARKER: "x", "Thumbs.db": "x", "desktop.ini": "x",
                                       "ada/consumer.py": CODE, "bob.py": CODE})
    found = lms.discover(download, A1, tmp_path / "work")
    assert ([s.id for s in found.students], found.unmatched) == (["ada", "bob"], [])


def test_empty_download(tmp_path):
    found = lms.discover(_tree(tmp_path / "dl", {".DS_Store": "x"}), A1, tmp_path / "work")
    assert (found.students, found.unmatched, found.layout) == ([], [], "plain")
    assert _has(found.notes, "no submissions found")


# ------------------------------------------------------------------ hand-off to stage

def test_every_student_stages_its_consumer(tmp_path):
    """What discover points at is what submission.stage can grade (no grading here)."""
    from autograder.submission import stage
    downloads = {
        "canvas": _zip(tmp_path / "canvas.zip", {k: v for k, v in CANVAS.items()
                                                  if "text" not in k}),
        "moodle": _tree(tmp_path / "moodle", {
            "Ada Lovelace_101_assignsubmission_file_/src/consumer.py": CODE,
            "Alan Turing_104_assignsubmission_file_/handin.zip": _zip_bytes(
                {"deep/er/consumer.py": CODE})}),
        "plain": _tree(tmp_path / "plain", {"ada/my_solution.py": CODE, "bob.py": CODE,
                                            "carol/hw.zip": _zip_bytes({"consumer.py": CODE})}),
    }
    for kind, download in downloads.items():
        found = lms.discover(download, A1, tmp_path / f"work-{kind}")
        assert found.layout == kind and len(found.students) >= 2
        for s in found.students:
            staged = stage(A1, s.path, tmp_path / "stage" / kind / s.id)
            assert (staged.folder / "consumer.py").read_text() == CODE, (kind, s.id, staged.notes)


# ------------------------------------------------------------------ another layout

class _PrefixedLayout(lms.Layout):
    """A made-up LMS that names each student's folder hw1-<login>."""
    kind, what = "hw", "from hw1- folders"

    def match(self, item):
        prefix = "hw1-"
        if item.is_dir and item.name.startswith(prefix) and len(item.name) > len(prefix):
            return {"login": item.name[len(prefix):]}
        return None

    def claim(self, item, ids):
        self._group(ids["login"], lambda: lms.Candidate(
            self.kind, ids["login"], ids["login"], "prefixed", {"login": ids["login"]},
            path=item.path, first_rel=item.rel))
        self.files += not item.is_dir

    def materialise(self, c, sid):
        return lms.layout.student(c, sid, c.path)


def test_a_layout_plugs_in(tmp_path, monkeypatch):
    monkeypatch.setattr(lms, "LAYOUTS", (_PrefixedLayout, *lms.LAYOUTS))
    download = _tree(tmp_path / "dl", {"hw1-octocat/consumer.py": CODE, "hw1-Ada/consumer.py": CODE,
                                       "ada/consumer.py": CODE, "notes.txt": "x"})
    found = lms.discover(download, A1, tmp_path / "work")
    got = [(s.id, s.source, s.lms, s.path.name) for s in found.students]
    assert got == [("Ada", "prefixed", {"login": "Ada"}, "hw1-Ada"),
                   ("ada-2", "folder", {}, "ada"),
                   ("octocat", "prefixed", {"login": "octocat"}, "hw1-octocat")]
    assert [u.path for u in found.unmatched] == ["notes.txt"]
    assert found.layout == "mixed"
    assert _has(found.notes, "2 from hw1- folders", "1 plain")


# --------------------------------------------------------------- GitHub Classroom

def _repo(root: Path, name: str, code: str, *, commit: str | None = None) -> Path:
    """One student's clone of the release, as `gh classroom clone student-repos` leaves it."""
    repo = _tree(root / name, {".concurrency-kit/release.json": "{}",
                               "assignments/manifest.toml": "",
                               f"assignments/{A1.slug}/consumer.py": code,
                               "assignments/02_parallelize_the_downloader/downloader.py": "stub",
                               "README.md": "the release"})
    if commit:
        _tree(repo / ".git", {"HEAD": "ref: refs/heads/main\n", "refs/heads/main": commit + "\n"})
    return repo


def test_classroom_clone_of_student_repos_is_one_student_per_username(tmp_path):
    down = tmp_path / "fix-the-consumer-submissions"
    _repo(down, "fix-the-consumer-adalovelace", CODE, commit="a" * 40)
    _repo(down, "fix-the-consumer-alan-turing", CODE + "# mine\n")
    _tree(down, {"notes.txt": "x"})
    found = lms.discover(down, A1, tmp_path / "work")
    assert found.layout == "classroom"
    by_id = {s.id: s for s in found.students}
    assert set(by_id) == {"adalovelace", "alan-turing"}
    ada = by_id["adalovelace"]
    assert ada.path == down / "fix-the-consumer-adalovelace" / "assignments" / A1.slug
    assert ada.lms == {"repository": "fix-the-consumer-adalovelace", "github": "adalovelace",
                       "commit": "a" * 40}
    assert any("graded commit aaaaaaaaaaaa" in n for n in ada.notes)
    assert "commit" not in by_id["alan-turing"].lms
    assert [u.path for u in found.unmatched] == ["notes.txt"]


def test_classroom_repo_without_the_assignment_is_a_plain_folder_and_git_is_never_run(tmp_path):
    down = tmp_path / "subs"
    repo = _repo(down, "hw-bob", CODE, commit="b" * 40)
    (repo / ".git" / "config").write_text("[core]\n\tfsmonitor = touch /tmp/ck-pwned\n")
    _tree(down, {"hw-carol/consumer.py": CODE})
    found = lms.discover(down, A1, tmp_path / "work")
    assert found.layout == "mixed"
    assert {s.id: s.source for s in found.students} == {"hw-bob": "classroom", "hw-carol": "folder"}
    (repo / ".git" / "refs" / "heads" / "main").write_text("../../../../etc/passwd\n")
    again = lms.discover(down, A1, tmp_path / "work2")
    assert "commit" not in next(s for s in again.students if s.id == "hw-bob").lms
    assert not Path("/tmp/ck-pwned").exists()
