"""autograder/files.py: one junk rule, one atomic write, one safe unzip."""
from __future__ import annotations

import os
import stat
import zipfile

import pytest

from autograder import files


@pytest.mark.parametrize("rel, junk", [
    ("consumer.py", False), ("sub/consumer.py", False), ("__pycache__/x.pyc", True),
    ("a/.git/config", True), ("__MACOSX/._consumer.py", True), ("._consumer.py", True),
    (".DS_Store", True), ("Thumbs.db", True), ("consumer.py~", True), ("x.swp", True),
    (".venv/lib/site.py", True), ("notes.txt", False),
])
def test_one_junk_rule(rel, junk):
    assert files.is_junk(rel) is junk


def test_atomic_write_leaves_no_temporary_and_the_mode_open_would_give(tmp_path):
    old = os.umask(0o027)
    try:
        target = files.atomic_write(tmp_path / "sub" / "page.html", "é\n")
    finally:
        os.umask(old)
    assert target.read_bytes() == "é\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["page.html"]
    files.atomic_write(target, b"x", mode=0o600)
    assert target.read_bytes() == b"x" and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_umask_is_read_without_proc_too(monkeypatch):
    """Without /proc (macOS), the umask is set and put back: the same answer."""
    old = os.umask(0o027)
    try:
        with_proc = files._umask()

        def no_proc(*a, **k):
            raise FileNotFoundError("/proc/self/status")
        monkeypatch.setattr(files, "open", no_proc, raising=False)
        assert with_proc == files._umask() == 0o027
        assert os.umask(0o027) == 0o027            # put back as it was
    finally:
        os.umask(old)


def test_atomic_write_that_fails_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "grades.csv"
    target.write_text("old")

    def broken(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(files.os, "replace", broken)
    with pytest.raises(OSError):
        files.atomic_write(target, "new")
    assert target.read_text() == "old" and len(list(tmp_path.iterdir())) == 1


def _zip(path, entries, symlink=None):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def test_safe_unzip_refuses_and_says_why(tmp_path):
    archive = _zip(tmp_path / "in.zip", {"ok/consumer.py": "x", "../evil.py": "y",
                                         "__MACOSX/._consumer.py": "z"}, symlink="link.py")
    out = tmp_path / "out"
    refused = files.safe_unzip(archive, out)
    assert (out / "ok" / "consumer.py").read_text() == "x"
    assert not (tmp_path / "evil.py").exists() and not (out / "link.py").exists()
    assert not (out / "__MACOSX").exists()
    reasons = {r.name: r.reason for r in refused}
    assert "zip slip" in reasons["../evil.py"] and "symbolic link" in reasons["link.py"]


def test_safe_unzip_caps_bytes_entries_and_unpacks_nested_zips(tmp_path):
    inner = _zip(tmp_path / "inner.zip", {"consumer.py": "inner"})
    outer = _zip(tmp_path / "outer.zip", {"hand-in.zip": inner.read_bytes()})
    out = tmp_path / "out"
    assert files.safe_unzip(outer, out, files.ZipRules(nested=1)) == []
    assert (out / "hand-in-unzipped" / "consumer.py").read_text() == "inner"
    with pytest.raises(files.UnzipError, match="more than") as big:
        files.safe_unzip(outer, tmp_path / "small", files.ZipRules(max_bytes=10))
    with pytest.raises(files.UnzipError, match="entries") as many:
        files.safe_unzip(outer, tmp_path / "few", files.ZipRules(max_entries=0))
    (tmp_path / "not.zip").write_text("no")
    with pytest.raises(files.UnzipError, match="not a readable zip") as unreadable:
        files.safe_unzip(tmp_path / "not.zip", tmp_path / "x")
    assert (big.value.kind, many.value.kind, unreadable.value.kind) == \
        ("too-big", "too-many", "unreadable")
