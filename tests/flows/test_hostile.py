"""Hostile submissions (tests/hostile/01_fix_the_consumer), graded for real in one batch
beside the reference and broken variants: each gets the score its docstring names and
says what it names in its feedback; the others are graded exactly as on their own; and
nothing any of them started is left running.

A case's docstring (README.txt for a folder) holds:
    Scores: N        the points it must get (of 32)
    Says: text       a phrase its feedback must hold
    Flagged: yes     the grading is flagged for an instructor (forged results, tampering)
    Needs: layer     run only where the jail has this layer (processes, memory,
                     memory-cgroup, filesystem): a bomb runs only inside limits that hold it
"""
from __future__ import annotations

import ast
import re
import shutil
import stat
import zipfile
from pathlib import Path

import psutil
import pytest

from autograder import KIT_ROOT, batch, jail, manifest
from conftest import declared_failures

A1 = manifest.get(1)
HOSTILE = KIT_ROOT / "tests" / "hostile" / A1.folder.name
BROKEN = KIT_ROOT / "tests" / "broken" / A1.folder.name
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile")]


def _doc(path: Path) -> str:
    if path.is_dir():
        return (path / "README.txt").read_text()
    return ast.get_docstring(ast.parse(path.read_bytes())) or "" if path.suffix == ".py" else ""


def _field(doc: str, name: str) -> str | None:
    match = re.search(rf"^{name}:\s*(.+)$", doc, re.M)
    return match.group(1).strip() if match else None


def _layers_missing(needs: str | None) -> str | None:
    """Why this machine cannot contain the case (None: it can)."""
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


def _latin1_doc(path: Path) -> str:
    # not_utf8.py cannot be parsed as UTF-8: read its docstring as Latin-1.
    return ast.get_docstring(ast.parse(path.read_bytes().decode("latin-1"))) or ""


CASES = {}
for _p in sorted(HOSTILE.iterdir()):
    try:
        _d = _doc(_p)
    except SyntaxError:
        _d = _latin1_doc(_p) if _p.name == "not_utf8.py" else \
            re.search(r'"""(.*?)"""', _p.read_text(errors="replace"), re.S).group(1)
    CASES[_p.stem.replace("_", "-")] = (_p, _d)


def _zip_slip(dest: Path, outside: Path) -> Path:
    """consumer.py (does nothing, 4 points) among entries that climb out of the unpack
    folder, an absolute path and a symlink to /etc/passwd named like the module."""
    path = dest / "zip-slip.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("consumer.py", "def process_all(items, handle, num_workers=3, queue_size=5):\n"
                                   "    return {}\n")
        zf.writestr(f"../../../../../../..{outside}/slip-relative.py", "EVIL = 1\n")
        zf.writestr(f"{outside}/slip-absolute.py", "EVIL = 1\n")
        link = zipfile.ZipInfo("sub/consumer.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    return path


def _zip_bomb(dest: Path) -> Path:
    """1 GB of zeros in a zip of about 1 MB."""
    path = dest / "zip-bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("consumer.py", "def process_all(items, handle, num_workers=3, queue_size=5):\n"
                                   "    return {}\n")
        with zf.open("data.bin", "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(1024):
                f.write(block)
    return path


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    inbox, outside = root / "inbox", root / "outside"
    inbox.mkdir()
    outside.mkdir()
    skipped = {}
    for name, (path, doc) in CASES.items():
        why = _layers_missing(_field(doc, "Needs"))
        if why:
            skipped[name] = why
            continue
        if path.is_dir():
            shutil.copytree(path, inbox / name)
            for renamed in (inbox / name).glob("*.py.txt"):
                renamed.rename(renamed.with_suffix(""))
            (inbox / name / "README.txt").unlink()
        else:
            shutil.copyfile(path, inbox / f"{name}.py")
    _zip_slip(inbox, outside)
    _zip_bomb(inbox)
    shutil.copyfile(A1.reference_dir / "consumer.py", inbox / "reference.py")
    broken = sorted(BROKEN.glob("*.py"))[:3]
    for b in broken:
        shutil.copyfile(b, inbox / f"broken-{b.stem.replace('_', '-')}.py")
    result = batch.run(A1, inbox, root / "out", jobs=2, progress=False)
    rows = {r.student.id: r for r in result.rows}
    return result, rows, skipped, outside, broken, sorted(p.name for p in inbox.iterdir())


def _row(rows, name):
    found = [r for key, r in rows.items() if key.lower().replace("_", "-") == name.lower()]
    assert found, f"no row for {name}: rows are {sorted(rows)}"
    return found[0]


def _feedback(result, row) -> str:
    return (result.out / row.student.id / "feedback.txt").read_text(encoding="utf-8")


def test_every_submission_gets_a_row(hostile_batch):
    result, rows, skipped, _, _, entries = hostile_batch
    assert len(result.rows) == len(entries), (sorted(rows), entries)
    assert not result.unmatched


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_submission_gets_its_score_and_a_clear_message(hostile_batch, name):
    result, rows, skipped, _, _, _ = hostile_batch
    if name in skipped:
        pytest.skip(skipped[name])
    _, doc = CASES[name]
    row = _row(rows, name)
    feedback = _feedback(result, row)
    where = f"{name}: {row.score}/{row.max_score} {row.status}\n{feedback[:3000]}"
    assert row.status == "graded", where
    assert row.score == float(_field(doc, "Scores")), where
    says = _field(doc, "Says")
    if says:
        assert says.lower() in feedback.lower(), where
    flagged = (_field(doc, "Flagged") or "no") == "yes"
    assert ("FLAGGED for an instructor" in feedback) == flagged, where


def test_the_others_in_the_same_batch_are_graded_as_on_their_own(hostile_batch):
    result, rows, _, _, broken, _ = hostile_batch
    reference = _row(rows, "reference")
    assert reference.score == A1.points, _feedback(result, reference)
    for b in broken:
        row = _row(rows, f"broken-{b.stem.replace('_', '-')}")
        failed = {t["nodeid"].split("::")[-1] for t in row.tests if t["status"] != "passed"}
        assert failed == declared_failures(b), (b.name, _feedback(result, row))


def test_a_zip_that_climbs_out_writes_nothing_outside(hostile_batch):
    result, rows, _, outside, _, _ = hostile_batch
    row = _row(rows, "zip-slip")
    assert row.status == "graded" and row.score == 4, _feedback(result, row)
    assert list(outside.iterdir()) == []
    assert not list(result.out.rglob("slip-*.py"))


def test_a_zip_bomb_is_refused_with_the_reason(hostile_batch):
    result, rows, _, _, _, _ = hostile_batch
    row = _row(rows, "zip-bomb")
    assert row.status == "error" and row.score == 0
    assert "unpacks to more than" in row.message


def test_fake_results_never_reach_the_grades(hostile_batch):
    result, rows, _, _, _, _ = hostile_batch
    for path in result.out.rglob("*"):
        if path.is_file():
            assert b"FAKE RESULTS" not in path.read_bytes(), path


def test_nothing_a_submission_started_is_left_running(hostile_batch):
    """The daemon (double fork, setsid) and the fork bomb's children mark themselves."""
    left = []
    for p in psutil.process_iter(["cmdline", "name"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
        except psutil.Error:
            continue
        if "ck-hostile-daemon" in cmd or p.info["name"] == "ck-hostile-bomb":
            left.append((p.pid, p.info["name"], cmd[:80]))
    assert left == []


def test_the_grading_says_which_sandbox_layers_were_on(hostile_batch):
    result, rows, _, _, _, _ = hostile_batch
    text = _feedback(result, _row(rows, "reference"))
    caps = jail.capabilities()
    assert ("filesystem  on" in text) == bool(caps["bwrap"]), text
    assert ("user        on" in text) == bool(caps["setpriv"]), text
    if jail.is_root() and shutil.which("bwrap"):
        assert caps["bwrap"] and caps["setpriv"], caps  # `make setup` installs bubblewrap


OTHERS = sorted(p for p in (KIT_ROOT / "tests" / "hostile").glob("*/*.py")
                if p.parent.name != A1.folder.name)


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_hostile_submissions_of_other_assignments(path, graded):
    assignment = next(a for a in manifest.load() if a.folder.name == path.parent.name)
    doc = _doc(path)
    grade = graded(assignment, path)
    text = "\n".join(grade.notes + [r.message for r in grade.tests])
    assert grade.score == float(_field(doc, "Scores")), text
    says = _field(doc, "Says")
    assert not says or says.lower() in text.lower(), text
    flagged = (_field(doc, "Flagged") or "no") == "yes"
    assert any("FLAGGED for an instructor" in n for n in grade.notes) == flagged, text
