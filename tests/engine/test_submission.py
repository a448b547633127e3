"""autograder.submission.stage: folders, single files, zips, and what is never staged."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from autograder import manifest
from autograder.submission import SubmissionError, stage

A1 = manifest.get(1)
CODE = "def process_all(items, handle, num_workers=3, queue_size=5):\n    return {}\n"


def _folder(tmp_path, files: dict[str, str], name="hand-in") -> Path:
    root = tmp_path / name
    root.mkdir()
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def _missing(staged) -> list[str]:
    # Staged.missing was removed as unused (HEAD); derive it from expected/found.
    return [n for n in staged.expected if n not in staged.found]


def _staged_files(staged) -> list[str]:
    return sorted(p.name for p in staged.folder.iterdir())


def _zip(path: Path, entries: dict[str, bytes | str], symlinks: dict[str, str] | None = None) -> Path:
    symlinks = symlinks or {}
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in symlinks.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


# ------------------------------------------------------------------ folders

def test_folder_with_the_file(tmp_path):
    src = _folder(tmp_path, {"consumer.py": CODE, "README.txt": "hi"})
    staged = stage(A1, src, tmp_path / "stage")
    assert staged.folder == tmp_path / "stage"
    assert _staged_files(staged) == ["consumer.py"]
    assert (staged.folder / "consumer.py").read_text() == CODE
    assert staged.found == {"consumer.py": src / "consumer.py"}
    assert staged.notes == [] and _missing(staged) == []
    assert staged.expected == ("consumer.py",)


def test_folder_with_the_file_one_level_down(tmp_path):
    src = _folder(tmp_path, {"alice/consumer.py": CODE})
    staged = stage(A1, src, tmp_path / "stage")
    assert (staged.folder / "consumer.py").read_text() == CODE
    assert staged.found["consumer.py"] == src / "alice" / "consumer.py"
    assert _missing(staged) == []


def test_the_shallowest_copy_wins_and_the_note_says_so(tmp_path):
    src = _folder(tmp_path, {"old/consumer.py": "OLD = 1\n", "consumer.py": CODE})
    staged = stage(A1, src, tmp_path / "stage")
    assert (staged.folder / "consumer.py").read_text() == CODE
    assert any("several consumer.py" in n and "old/consumer.py" in n for n in staged.notes)


def test_folder_with_one_differently_named_file_is_graded_renamed(tmp_path):
    src = _folder(tmp_path, {"my_solution.py": CODE})
    staged = stage(A1, src, tmp_path / "stage")
    assert _staged_files(staged) == ["consumer.py"]
    assert (staged.folder / "consumer.py").read_text() == CODE
    assert staged.found["consumer.py"] == src / "my_solution.py"
    assert len(staged.notes) == 1
    assert "my_solution.py" in staged.notes[0] and "as consumer.py" in staged.notes[0]


def test_folder_with_no_python_file(tmp_path):
    src = _folder(tmp_path, {"README.txt": "I did not finish"})
    staged = stage(A1, src, tmp_path / "stage")
    assert staged.folder.is_dir() and _staged_files(staged) == []
    assert staged.found == {} and _missing(staged) == ["consumer.py"]
    note = " ".join(staged.notes)
    assert "consumer.py is missing" in note and "it holds: no .py files" in note


def test_folder_with_several_other_files_lists_them(tmp_path):
    src = _folder(tmp_path, {"a.py": "", "b.py": ""})
    staged = stage(A1, src, tmp_path / "stage")
    assert _staged_files(staged) == [] and _missing(staged) == ["consumer.py"]
    assert any("consumer.py is missing" in n and "a.py, b.py" in n for n in staged.notes)


def test_conftest_and_sitecustomize_are_never_staged(tmp_path):
    src = _folder(tmp_path, {"consumer.py": CODE, "conftest.py": "import os; os._exit(0)\n",
                             "sitecustomize.py": "raise SystemExit\n", "usercustomize.py": "",
                             "tests/conftest.py": "x = 1\n"})
    staged = stage(A1, src, tmp_path / "stage")
    assert _staged_files(staged) == ["consumer.py"]
    assert not list(staged.folder.rglob("*customize.py")) and not list(staged.folder.rglob("conftest.py"))


# -------------------------------------------------------------- single file

def test_a_single_py_file(tmp_path):
    src = tmp_path / "consumer.py"
    src.write_text(CODE)
    staged = stage(A1, src, tmp_path / "stage")
    assert _staged_files(staged) == ["consumer.py"] and staged.notes == []


def test_a_single_py_file_with_another_name(tmp_path):
    src = tmp_path / "hw1.py"
    src.write_text(CODE)
    staged = stage(A1, src, tmp_path / "stage")
    assert (staged.folder / "consumer.py").read_text() == CODE
    assert staged.notes == ["graded hw1.py as consumer.py"]


@pytest.mark.parametrize("name", ["nope", "nope.py", "nope.zip"])
def test_a_path_that_does_not_exist_is_refused(tmp_path, name):
    with pytest.raises(SubmissionError, match="no such file or folder"):
        stage(A1, tmp_path / name, tmp_path / "stage")


def test_a_text_file_is_refused(tmp_path):
    src = tmp_path / "consumer.txt"
    src.write_text(CODE)
    with pytest.raises(SubmissionError, match="not a folder, a .py file or a .zip"):
        stage(A1, src, tmp_path / "stage")


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    src = tmp_path / "hand-in.zip"
    src.write_bytes(b"not a zip at all")
    with pytest.raises(SubmissionError, match="not a readable zip"):
        stage(A1, src, tmp_path / "stage")


# --------------------------------------------------------------------- zips

def test_a_zip_with_junk_traversal_and_symlinks(tmp_path):
    archive = _zip(tmp_path / "hand-in.zip", {
        "alice/consumer.py": CODE,
        "__MACOSX/alice/._consumer.py": b"\x00\x05\x16\x07 resource fork",
        "alice/._consumer.py": b"\x00\x05\x16\x07",
        "alice/conftest.py": "import os; os._exit(0)\n",
        "../evil.py": "EVIL = 1\n",
        "../../evil2.py": "EVIL = 2\n",
        "alice/../../evil3.py": "EVIL = 3\n",
    }, symlinks={"consumer.py": "/etc/hostname", "link.py": "/etc/passwd"})
    dest = tmp_path / "work" / "submission"
    staged = stage(A1, archive, dest)
    # The real file, not the symlink entry (which would win as the shallowest).
    assert (staged.folder / "consumer.py").read_text() == CODE
    assert _staged_files(staged) == ["consumer.py"] and _missing(staged) == []
    # Nothing was written outside the unpacking folder.
    assert not [p for p in tmp_path.rglob("evil*.py")]
    unpacked = dest.parent / "submission-unzipped"
    assert not (unpacked / "link.py").exists() and not (unpacked / "consumer.py").exists()
    assert not any(p.is_symlink() for p in tmp_path.rglob("*"))


def test_a_zip_holding_one_renamed_file_and_mac_junk(tmp_path):
    # Without the junk filter, ._solution.py would be a second candidate and nothing
    # would be graded.
    archive = _zip(tmp_path / "hand-in.zip", {"solution.py": CODE,
                                              "__MACOSX/._solution.py": b"\x00\x05",
                                              "._solution.py": b"\x00\x05"})
    staged = stage(A1, archive, tmp_path / "stage")
    assert (staged.folder / "consumer.py").read_text() == CODE
    assert any("solution.py as consumer.py" in n for n in staged.notes)


def test_a_nested_zip_is_unpacked(tmp_path):
    inner = _zip(tmp_path / "inner.zip", {"consumer.py": CODE, "../escape.py": "X = 1\n"})
    archive = _zip(tmp_path / "hand-in.zip", {"inner.zip": inner.read_bytes()})
    staged = stage(A1, archive, tmp_path / "work" / "submission")
    assert (staged.folder / "consumer.py").read_text() == CODE
    assert not list((tmp_path / "work").rglob("escape.py"))


def test_nested_zips_share_one_size_budget(tmp_path, monkeypatch):
    import autograder.submission as submission
    monkeypatch.setattr(submission, "MAX_ZIP_BYTES", 3000)
    inner = _zip(tmp_path / "inner.zip", {"big.txt": "y" * 2000})
    archive = _zip(tmp_path / "hand-in.zip", {"consumer.py": CODE, "a.zip": inner.read_bytes(),
                                              "b.zip": inner.read_bytes()})
    # Each level alone is under 3000 bytes; together they are not.
    with pytest.raises(SubmissionError, match="unpacks to more than"):
        stage(A1, archive, tmp_path / "stage")


def test_zips_nested_too_deep_are_left_packed(tmp_path):
    level = _zip(tmp_path / "z0.zip", {"consumer.py": CODE})
    for i in range(1, 6):
        level = _zip(tmp_path / f"z{i}.zip", {f"z{i - 1}.zip": level.read_bytes()})
    staged = stage(A1, level, tmp_path / "stage")
    assert _staged_files(staged) == []          # five levels down: not unpacked
    assert any("consumer.py is missing" in n for n in staged.notes)


def test_an_entry_named_dot_zip_is_harmless(tmp_path):
    inner = _zip(tmp_path / "inner.zip", {"x.txt": "x"})
    archive = _zip(tmp_path / "hand-in.zip", {"consumer.py": CODE, ".zip": inner.read_bytes(),
                                              "-unzipped": "a file in the way"})
    staged = stage(A1, archive, tmp_path / "stage")
    assert (staged.folder / "consumer.py").read_text() == CODE


def test_a_zip_without_the_file(tmp_path):
    archive = _zip(tmp_path / "hand-in.zip", {"notes.txt": "sorry"})
    staged = stage(A1, archive, tmp_path / "stage")
    assert _staged_files(staged) == [] and _missing(staged) == ["consumer.py"]
    assert any("consumer.py is missing" in n for n in staged.notes)


def test_a_broken_nested_zip_does_not_refuse_the_submission(tmp_path):
    archive = _zip(tmp_path / "hand-in.zip", {"consumer.py": CODE,
                                              "old/backup.zip": b"this is not a zip"})
    staged = stage(A1, archive, tmp_path / "stage")
    assert (staged.folder / "consumer.py").read_text() == CODE
