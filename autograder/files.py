"""Files the kit writes and archives it reads, with one set of rules for each.

    is_junk(rel)              caches, editor and OS litter: never graded, never shipped
    tree(folder, prefix)      every non-junk regular file under a folder, by archive name
    atomic_write(path, data)  readers see the old file or the new one, never half of one
    safe_unzip(zip, dest)     unpack an untrusted zip; what it refuses comes back, said
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from pathlib import Path

JUNK_DIRS = frozenset({"__pycache__", ".pytest_cache", ".git", ".ipynb_checkpoints",
                       ".mypy_cache", ".ruff_cache", "__MACOSX", ".venv", "node_modules"})
JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".localized"})
JUNK_SUFFIXES = (".pyc", ".pyo", ".tmp", ".swp", ".orig", ".rej", "~")


def is_junk(rel: str | os.PathLike) -> bool:
    """A path (relative to what holds it) that is litter: a cache or VCS folder anywhere in
    it, macOS's `._` twins, an OS index file, an editor's backup."""
    parts = Path(rel).parts
    if not parts:
        return False
    name = parts[-1]
    return (any(p in JUNK_DIRS or p.startswith("._") for p in parts) or name in JUNK_NAMES
            or name.endswith(JUNK_SUFFIXES))


def tree(folder: Path, prefix: str) -> dict[str, Path]:
    """Every non-junk regular file under `folder` (no symlinks), by `prefix/relative`."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if is_junk(rel) or path.is_symlink() or not path.is_file():
            continue
        out[f"{prefix}/{rel.as_posix()}"] = path
    return out


def atomic_write(path: str | os.PathLike, data: str | bytes, *, mode: int | None = None) -> Path:
    """Write `data` (text as UTF-8) to `path` through a temporary file in the same folder
    and a rename: a reader, or a crash, never sees half a file. The file gets `mode`, or
    what open() would give it (0666 less the umask), not mkstemp's 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _umask() -> int:
    """The process's umask, read without changing it (Linux), else set and put back."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# ------------------------------------------------------------------ unzipping

class UnzipError(Exception):
    """The archive as a whole cannot be unpacked: `kind` says why ("unreadable": not a
    zip, or a broken one; "too-big"; "too-many": more entries than the rules allow)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


@dataclasses.dataclass(frozen=True)
class Refusal:
    name: str           # the entry, as its author meant it
    reason: str         # why nothing was written for it, for a person


@dataclasses.dataclass(frozen=True)
class ZipRules:
    max_bytes: int = 50 * 1024 * 1024     # unpacked, shared by nested zips
    max_entries: int = 20_000
    nested: int = 0                       # levels of zips inside to unpack (beside themselves)


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its author meant it: zips made without the UTF-8 flag
    (Windows, some LMS exports) carry UTF-8 bytes that Python decoded as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name.replace("\\", "/"))


def zip_names(archive: Path, limit: int = ZipRules.max_entries) -> list[str] | None:
    """The entries' names, or None when `archive` is not a readable zip."""
    try:
        with zipfile.ZipFile(archive) as zf:
            return [entry_name(i) for i in zf.infolist()[:limit]]
    except (zipfile.BadZipFile, OSError):
        return None


def _outside(name: str, parts: list[str]) -> bool:
    return name.startswith("/") or ".." in parts or bool(re.match(r"^[A-Za-z]:$", parts[0]))


def safe_unzip(archive: Path, dest: Path, rules: ZipRules = ZipRules(), *,
               _left: list[int] | None = None, _depth: int = 0) -> list[Refusal]:
    """Unpack `archive` into `dest` (created). Junk is skipped; entries that point outside
    `dest` (zip slip), symbolic links and unreadable entries are not written and come back
    as Refusals; more than `rules.max_bytes` unpacked or `rules.max_entries` entries raise
    UnzipError. With `rules.nested`, a zip inside is unpacked beside itself, into
    `<name>-unzipped/`, the byte budget shared by every level."""
    left = _left if _left is not None else [rules.max_bytes]
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnzipError(f"{archive} is not a readable zip file ({exc})", "unreadable") from exc
    dest.mkdir(parents=True, exist_ok=True)
    root = str(dest.resolve()) + os.sep
    refused: list[Refusal] = []
    with zf:
        infos = zf.infolist()
        if len(infos) > rules.max_entries:
            raise UnzipError(f"{archive} holds {len(infos)} entries "
                             f"(more than {rules.max_entries})", "too-many")
        for info in infos:
            target = _target(info, dest, root, refused)
            if target is None:
                continue
            written = _write_entry(zf, info, target, left, rules, archive, refused)
            if written and _depth < rules.nested and target.name.lower().endswith(".zip"):
                _unzip_inner(target, rules, left, _depth, refused)
    return refused


def _target(info: zipfile.ZipInfo, dest: Path, root: str, refused: list[Refusal]) -> Path | None:
    name = entry_name(info)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(is_junk(p) for p in parts):
        return None
    rel = "/".join(parts)
    if _outside(name, parts):
        refused.append(Refusal(name, "refused: this zip entry points outside the folder it "
                                     "unpacks to (zip slip); nothing was written"))
        return None
    if stat.S_ISLNK(info.external_attr >> 16):
        refused.append(Refusal(rel, "refused: a symbolic link inside the zip (it could point "
                                    "anywhere); nothing was written"))
        return None
    target = dest.joinpath(*parts)
    if not str(target.resolve()).startswith(root):
        refused.append(Refusal(rel, "refused: this zip entry points outside the folder it "
                                    "unpacks to; nothing was written"))
        return None
    return target


def _write_entry(zf, info, target: Path, left: list[int], rules: ZipRules, archive: Path,
                 refused: list[Refusal]) -> bool:
    try:
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            return False
        left[0] -= info.file_size
        if left[0] < 0:
            raise UnzipError(f"{archive} unpacks to more than {rules.max_bytes >> 20} MB", "too-big")
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out)
        return True
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
        refused.append(Refusal(entry_name(info), f"could not unpack this entry ({exc})"))
        return False


def _unzip_inner(target: Path, rules: ZipRules, left: list[int], depth: int,
                 refused: list[Refusal]) -> None:
    if not zipfile.is_zipfile(target):
        return                    # a broken or fake .zip inside is just a file
    inner = target.with_name(target.name[:-4] + "-unzipped")
    if inner.exists():
        return
    refused += safe_unzip(target, inner, rules, _left=left, _depth=depth + 1)
