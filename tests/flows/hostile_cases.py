"""The hostile submissions (tests/hostile/<assignment>/) as a batch inbox: used by
tests/flows/test_hostile.py and bench/hostile_batch.py (100 of them at once).

A case's docstring (README.txt for a folder) holds:
    Scores: N        the points it must get
    Says: text       a phrase its feedback must hold
    Flagged: yes     the grading is flagged for an instructor (forged results, tampering)
    Base: reference  the entry is the reference solution followed by the case's own code
                     (also "Base: stub", or "Base: broken/<variant>": that broken variant
                     of the same assignment, the honest part whose score the case earns)
    Needs: layer     grade it only where the jail has this layer (processes, memory,
                     memory-cgroup, filesystem): a bomb runs only inside limits that hold it
"""
from __future__ import annotations

import ast
import dataclasses
import re
import shutil
import stat
import zipfile
from pathlib import Path

from autograder import jail, manifest

A1 = manifest.get(1)
# The hostile batch grades with a low memory limit for a whole grading, so that the memory
# bomb in two processes meets it in a second or two (real pages must be filled to get there).
A1_LOW_MEMORY = dataclasses.replace(A1, memory_mb=1024)
HOSTILE = A1.hostile_dir
BROKEN = A1.broken_dir
DO_NOTHING = "def process_all(items, handle, num_workers=3, queue_size=5):\n    return {}\n"


def doc(path: Path) -> str:
    """The case's description; a file that is not UTF-8 is read as Latin-1."""
    if path.is_dir():
        return (path / "README.txt").read_text()
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        return ast.get_docstring(ast.parse(text)) or ""
    except SyntaxError:
        match = re.search(r'"""(.*?)"""', text, re.S)
        return match.group(1) if match else ""


def field(text: str, name: str) -> str | None:
    match = re.search(rf"^{name}:\s*(.+)$", text, re.M)
    return match.group(1).strip() if match else None


def missing_layer(needs: str | None) -> str | None:
    """Why this machine cannot contain a case that needs `needs` (None: it can)."""
    if not needs:
        return None
    caps = jail.capabilities()
    have = {
        "processes": caps["setpriv"] or "pids" in caps["cgroups"],
        "memory": caps["setpriv"],
        "memory-cgroup": caps["setpriv"] and "memory" in caps["cgroups"],
        "filesystem": caps["bwrap"],
    }
    return None if have.get(needs) else f"the jail has no '{needs}' layer on this machine"


def misjudged(text: str, score: float, feedback: str) -> list[str]:
    """How a grading differs from what the case's description `text` asks of it: its
    score, a phrase its feedback must hold, flagged or not ([] when it is as it must be)."""
    wrong = []
    want = float(field(text, "Scores"))
    if score != want:
        wrong.append(f"scored {score:g}, must score {want:g}")
    says = field(text, "Says")
    if says and says.lower() not in feedback.lower():
        wrong.append(f"the feedback lacks {says!r}")
    flagged = (field(text, "Flagged") or "no") == "yes"
    if ("FLAGGED for an instructor" in feedback) != flagged:
        wrong.append("flagged for an instructor" if not flagged else "not flagged")
    return wrong


CASES = {p.stem.replace("_", "-"): (p, doc(p)) for p in sorted(HOSTILE.iterdir())}


@dataclasses.dataclass
class Inbox:
    path: Path
    outside: Path                 # where the zip slip tries to write
    skipped: dict[str, str]       # case -> why this machine cannot contain it
    broken: list[Path]            # broken variants among the entries
    entries: list[str]


def zip_slip(dest: Path, outside: Path, name: str = "zip-slip") -> Path:
    """consumer.py (does nothing, 1 point) among entries that climb out of the unpack
    folder, an absolute path and a symlink to /etc/passwd named like the module."""
    path = dest / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("consumer.py", DO_NOTHING)
        zf.writestr(f"../../../../../../..{outside}/slip-relative.py", "EVIL = 1\n")
        zf.writestr(f"{outside}/slip-absolute.py", "EVIL = 1\n")
        link = zipfile.ZipInfo("sub/consumer.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    return path


def zip_bomb(dest: Path, name: str = "zip-bomb") -> Path:
    """1 GB of zeros in a zip of about 1 MB."""
    path = dest / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("consumer.py", DO_NOTHING)
        with zf.open("data.bin", "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(1024):
                f.write(block)
    return path


def base_source(assignment, text: str) -> bytes | None:
    """The code a case's "Base:" names (the reference, the stub, a broken variant), or
    None for a case that is all its own code."""
    base = (field(text, "Base") or "").split(" ")[0]
    if not base:
        return None
    module = assignment.files[0]
    if base == "reference":
        return (assignment.reference_dir / module).read_bytes()
    if base == "stub":
        return (assignment.folder / module).read_bytes()
    if base.startswith("broken/"):
        return (assignment.broken_dir / f"{base[7:]}.py").read_bytes()
    raise ValueError(f"unknown Base: {base!r}")


def entry_source(assignment, path: Path) -> bytes:
    """What the student hands in for case `path`: its base, then its own code."""
    base = base_source(assignment, doc(path))
    own = path.read_bytes()
    return own if base is None else base + b"\n\n" + own


def add_case(inbox: Path, name: str, path: Path, as_name: str | None = None) -> None:
    """Put case `name` in the inbox as one student's entry (its "Base:" first)."""
    target = as_name or name
    if path.is_dir():
        shutil.copytree(path, inbox / target)
        for renamed in (inbox / target).glob("*.py.txt"):   # conftest.py.txt -> conftest.py
            renamed.rename(renamed.with_suffix(""))
        (inbox / target / "README.txt").unlink()
    elif field(doc(path), "Base"):
        (inbox / f"{target}.py").write_bytes(entry_source(A1, path))
    else:
        shutil.copyfile(path, inbox / f"{target}.py")


def build(root: Path, *, broken: int = 3) -> Inbox:
    """Every hostile case this machine can contain, a zip slip, a zip bomb, the reference
    and the first `broken` broken variants, one student each."""
    inbox, outside = root / "inbox", root / "outside"
    inbox.mkdir(parents=True)
    outside.mkdir()
    skipped = {}
    for name, (path, text) in CASES.items():
        why = missing_layer(field(text, "Needs"))
        if why:
            skipped[name] = why
        else:
            add_case(inbox, name, path)
    zip_slip(inbox, outside)
    zip_bomb(inbox)
    shutil.copyfile(A1.reference_dir / "consumer.py", inbox / "reference.py")
    chosen = sorted(BROKEN.glob("*.py"))[:broken]
    for b in chosen:
        shutil.copyfile(b, inbox / f"broken-{b.stem.replace('_', '-')}.py")
    return Inbox(inbox, outside, skipped, chosen, sorted(p.name for p in inbox.iterdir()))


def row_for(rows: dict, name: str):
    """The batch row of the student whose entry was `name` (ids fold '-' and '_')."""
    found = [r for key, r in rows.items() if key.lower().replace("_", "-") == name.lower()]
    return found[0] if found else None
