"""student/package.py (`make submit`): a zip to upload, checked before it is written."""
from __future__ import annotations

import zipfile

import pytest

from autograder import manifest
from autograder.student import package

A1 = manifest.get(1)
REFERENCE = (A1.reference_dir / "consumer.py").read_bytes()


def _folder(tmp_path, data: bytes | None):
    folder = tmp_path / "work"
    folder.mkdir()
    if data is not None:
        (folder / "consumer.py").write_bytes(data)
    return folder


def test_a_working_file_is_zipped_at_the_top_and_reads_back(tmp_path):
    path = package.package(A1, _folder(tmp_path, REFERENCE), tmp_path / "out")
    assert path.name == "submission-1-01_fix_the_consumer.zip"
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["consumer.py"] and z.read("consumer.py") == REFERENCE
    again = package.package(A1, tmp_path / "work", tmp_path / "again")
    assert again.read_bytes() == path.read_bytes()            # same file, same zip


@pytest.mark.parametrize("data, says", [
    (None, "consumer.py not found"),
    ((A1.folder / "consumer.py").read_bytes(), "still the stub"),
    (b"def process_all(items, handle:\n    pass\n", "syntax error at line 1"),
    (b"", "consumer.py is empty"),
])
def test_what_cannot_be_graded_is_refused_and_nothing_is_written(tmp_path, data, says):
    with pytest.raises(package.PackageError, match=says):
        package.package(A1, _folder(tmp_path, data), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_command_says_where_the_zip_is_or_why_not(tmp_path, capsys):
    assert package.main(["1", "--out", str(tmp_path)]) == 2     # the kit's working copy: a stub
    assert "nothing was packaged" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
