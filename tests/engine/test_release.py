"""release.py: the student release holds what students need and nothing they must not see.
(tests/flows/test_student_release.py unpacks it and runs its make targets.)"""
from __future__ import annotations

import ast
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from autograder import KIT_ROOT, manifest
from autograder.instructor import release

ASSIGNMENTS = manifest.load()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    root, zipped = release.build(out, git=True)
    return root, zipped


def _secrets() -> dict[str, str]:
    """Text that must not appear in the release, found independently of release.py: every
    reference solution, every hidden test file, every broken and hostile variant that is
    not a stub, and the name of every hidden test function."""
    stubs = {(a.folder / f).read_text() for a in ASSIGNMENTS for f in a.files}
    out = {}
    for folder in ("reference", "tests/broken", "tests/hostile"):
        for p in (KIT_ROOT / folder).rglob("*.py"):
            text = p.read_text(errors="replace")
            if text not in stubs and "__pycache__" not in p.parts:
                out[str(p.relative_to(KIT_ROOT))] = text
    for a in ASSIGNMENTS:
        hidden = a.tests_dir / "test_hidden.py"
        out[str(hidden.relative_to(KIT_ROOT))] = hidden.read_text()
    return out


def test_release_holds_no_reference_no_hidden_test_no_variant(built):
    root, _ = built
    files = [p for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts]
    names = {p.relative_to(root).as_posix() for p in files}
    assert not [n for n in names if n.startswith(("reference/", "tests/", "bench/"))]
    assert not [n for n in names if n.endswith("test_hidden.py") or "__pycache__" in n]
    texts = {p.relative_to(root).as_posix(): p.read_text(errors="replace") for p in files}
    stub_lines = {ln.strip() for a in ASSIGNMENTS for f in a.files
                  for ln in (a.folder / f).read_text().splitlines()}
    for origin, secret in _secrets().items():
        # whole files, and the longest line of a solution that its stub does not have (a
        # copy with a changed header)
        body = [ln.strip() for ln in secret.splitlines()
                if len(ln.strip()) > 30 and ln.strip() not in stub_lines]
        longest = max(body, key=len) if body else None
        for name, text in texts.items():
            assert secret not in text, f"{name} holds {origin}"
            if longest and origin.startswith("reference/"):
                assert longest not in text, f"{name} holds a line of {origin}: {longest}"
    for a in ASSIGNMENTS:
        hidden = {n.name for n in ast.parse((a.tests_dir / "test_hidden.py").read_text()).body
                  if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}
        for name, text in texts.items():
            if name.startswith(f"assignments/{a.slug}/"):
                assert not [h for h in hidden if h in text], f"{name} names a hidden test"


def test_release_holds_what_students_need(built):
    root, zipped = built
    for a in ASSIGNMENTS:
        folder = root / "assignments" / a.slug
        for need in (*a.files, "README.md", "hints.md", "tests/test_visible.py",
                     "tests/conftest.py", "tests/hidden_tests.json"):
            assert (folder / need).is_file(), f"{a.slug}/{need} missing"
        assert (folder / a.files[0]).read_bytes() == (a.folder / a.files[0]).read_bytes()
        kept = root / ".concurrency-kit" / "stubs" / a.slug / a.files[0]
        assert kept.read_bytes() == (a.folder / a.files[0]).read_bytes()
    assert (root / "lesson" / "lesson-07-concurrency.txt").is_file()
    assert not (root / "autograder" / "instructor").exists()
    assert (root / "autograder" / "student" / "check.py").is_file()
    with zipfile.ZipFile(zipped) as zf:
        in_zip = {n.split("/", 1)[1] for n in zf.namelist()}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*")
               if p.is_file() and ".git" not in p.relative_to(root).parts}
    assert in_zip == on_disk


def test_release_makefile_has_the_student_targets_only(built):
    root, _ = built
    text = (root / "Makefile").read_text()
    for target in ("setup", "check", "watch", "hint", "status", "reset", "submit", "list",
                   "sandbox"):
        assert f"\n{target}:" in text, target
    for target in ("grade", "compare", "gradescope", "nbgrader", "test", "student-release", "bench"):
        assert f"\n{target}:" not in text, target
    assert "instructor" not in text.split("# <<<")[0].split("For students")[1].split("\n\n")[0]
    dry = subprocess.run(["make", "-n", "check", "hint", "status"], cwd=root,
                         capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr


def test_release_readme_is_the_students_part(built):
    root, _ = built
    text = (root / "README.md").read_text()
    assert "## For students" in text and "make check" in text
    assert "## For instructors" not in text and "Gradescope" not in text
    for a in ASSIGNMENTS:
        assert f"assignments/{a.slug}/{a.files[0]}" in text


def test_release_text_names_only_targets_the_release_has(built):
    """A student reading any README, hint or lesson note of the release is never told to
    run `make grade` (or another instructor target): the release's Makefile has none."""
    root, _ = built
    told = [p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and p.suffix in (".md", ".txt") and ".git" not in p.parts
            and any(f"make {t}" in p.read_text(errors="replace")
                    for t in ("grade", "compare", "gradescope", "nbgrader", "student-release"))]
    assert told == []


def test_release_as_git_repository(built):
    root, _ = built
    log = subprocess.run(["git", "log", "--oneline"], cwd=root, capture_output=True, text=True)
    assert log.returncode == 0 and len(log.stdout.splitlines()) == 1
    clean = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                           text=True)
    assert clean.stdout == ""


def test_a_planted_leak_is_refused(built, tmp_path):
    root, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git"))
    a = ASSIGNMENTS[0]
    assert release.check_release(copy, ASSIGNMENTS) == []
    (copy / "assignments" / a.slug / "notes.py").write_bytes(
        (a.reference_dir / a.files[0]).read_bytes())
    hidden = (a.tests_dir / "test_hidden.py")
    (copy / "assignments" / a.slug / "tests" / "extra.py").write_text(
        "# see " + sorted(release._hidden_names(a))[0] + "\n")
    shutil.copy(hidden, copy / "autograder" / "x.py")
    problems = "\n".join(release.check_release(copy, ASSIGNMENTS))
    assert f"notes.py has the content of reference/{a.slug}" in problems
    assert "extra.py names the hidden test" in problems
    assert f"x.py has the content of assignments/{a.slug}/tests/test_hidden.py" in problems


def test_makefile_blocks_must_close():
    with pytest.raises(release.ReleaseError, match="never closed"):
        release.student_makefile("a:\n# >>> instructor\nb:\n")
    assert release.student_makefile("a:\n# >>> instructor\nb:\n# <<< instructor\nc:\n") == "a:\nc:\n"


def test_build_writes_nothing_when_it_refuses(tmp_path, monkeypatch):
    monkeypatch.setattr(release, "check_release", lambda root, a: ["planted problem"])
    with pytest.raises(release.ReleaseError, match="planted problem"):
        release.build(tmp_path)
    assert list(Path(tmp_path).iterdir()) == []

