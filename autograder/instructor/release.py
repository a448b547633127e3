"""`make student-release`: what students get, as a folder, a zip and (--git) a git repo.

    dist/concurrency-kit-student/          dist/concurrency-kit-student.zip
        README.md          the kit README's "For students" part, and what is here
        Makefile           the kit's, without its instructor blocks (# >>> instructor)
        pyproject.toml     the engine's dependencies (`make check` installs them)
        autograder/        the grading core and the student's room; the instructor's room
                           (autograder/instructor/: grade, batch, LMS exports, Gradescope,
                           nbgrader, compare, this module) is left out whole
        lesson/            the lesson the hints cite
        assignments/       manifest.toml; per assignment the stub, README.md, hints.md and
                           tests/ without test_hidden.py, plus tests/hidden_tests.json (how
                           many hidden tests, what each covers in one line, their points)
        .concurrency-kit/  release.json, and the pristine stubs `make reset` restores
        .github/workflows/classroom.yml   (--git) GitHub Classroom's autograding: the
                           visible tests of each assignment, "Points x/y" on every push

Never in it: reference/, the kit's tests/ (broken and hostile variants), a hidden test, a
cache. `check_release` looks for each of these, by path and by content (a reference
solution, a hidden test file or a broken variant under any name, a hidden test's function
name in any file), and the build refuses to finish if it finds one.
"""
from __future__ import annotations

import argparse
import ast
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from .. import KIT_ROOT, __version__, console, manifest, paths
from ..files import is_junk, tree
from ..student import check as student
from . import classroom

NAME = "concurrency-kit-student"
INSTRUCTOR_ROOM = paths.INSTRUCTOR_ROOM.relative_to(KIT_ROOT).as_posix()   # autograder/instructor
HIDDEN_FILE = paths.HIDDEN_TESTS


class ReleaseError(Exception):
    pass


def student_makefile(text: str) -> str:
    """The kit's Makefile without the blocks between `# >>> instructor` and
    `# <<< instructor`."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("# >>> instructor"):
            skipping = True
        elif line.startswith("# <<< instructor"):
            skipping = False
        elif not skipping:
            out.append(line)
    if skipping:
        raise ReleaseError("Makefile: a '# >>> instructor' block is never closed")
    return re.sub(r"\n{3,}", "\n\n", "".join(out))


def student_readme(kit_readme: str, assignments: list[manifest.Assignment], built: str) -> str:
    """The kit README's opening and its "For students" section, then what is here."""
    title_end = kit_readme.index("\n\n")
    intro = kit_readme[title_end:].strip().split("\n\n")[0]
    m = re.search(r"^## For students\n(.*?)(?=^## )", kit_readme, re.M | re.S)
    if not m:
        raise ReleaseError("README.md has no '## For students' section")
    rows = "\n".join(f"| {a.number} | {a.title} | `assignments/{a.slug}/{a.files[0]}` |"
                     for a in assignments)
    return (f"# concurrency-kit: the student release\n\n{intro}\n\n"
            f"```sh\nmake check ASSIGNMENT=1      # start here (the first run installs what "
            f"it needs into .venv)\n```\n\n"
            f"## For students\n{m.group(1).rstrip()}\n\n"
            f"## What is here\n\n| # | assignment | your file |\n|---|---|---|\n{rows}\n\n"
            f"Each assignment's folder has its README (the task), the file you edit, "
            f"`hints.md` and `tests/` (the visible tests; the hidden ones stay with your "
            f"instructor, `tests/hidden_tests.json` says what they cover). The engine that "
            f"runs the tests is in `autograder/`, the lesson in `lesson/`. Built {built} "
            f"from concurrency-kit {__version__}.\n")


def _hidden_names(a: manifest.Assignment) -> set[str]:
    path = a.tests_dir / HIDDEN_FILE
    if not path.exists():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    visible = a.tests_dir / "test_visible.py"
    shared = set()
    if visible.exists():
        shared = {n.name for n in ast.parse(visible.read_text(encoding="utf-8")).body
                  if isinstance(n, ast.FunctionDef)}
    return {n.name for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")} - shared


def files(assignments: list[manifest.Assignment], built: str) -> dict[str, bytes | Path]:
    """{path in the release: content or file to copy}."""
    out: dict[str, bytes | Path] = {
        "README.md": student_readme((KIT_ROOT / "README.md").read_text(encoding="utf-8"),
                                    assignments, built).encode(),
        "Makefile": student_makefile((KIT_ROOT / "Makefile").read_text(encoding="utf-8")).encode(),
        "pyproject.toml": KIT_ROOT / "pyproject.toml",
        ".gitignore": b".venv/\n__pycache__/\n*.egg-info/\n/saved/\n/submission-*.zip\n"
                      b"/.concurrency-kit/progress*\n",
        "assignments/manifest.toml": manifest.MANIFEST,
    }
    for name, path in tree(paths.ENGINE, "autograder").items():
        if not name.startswith(INSTRUCTOR_ROOM + "/"):
            out[name] = path
    out.update(tree(KIT_ROOT / "lesson", "lesson"))
    stubs = {}
    for a in assignments:
        for name, path in tree(a.folder, f"assignments/{a.slug}").items():
            if Path(name).name == HIDDEN_FILE:
                continue
            out[name] = path
        out[f"assignments/{a.slug}/tests/{student.HIDDEN_SUMMARY}"] = \
            student.hidden_summary_json(a).encode()
        for f in a.files:
            out[f".concurrency-kit/stubs/{a.slug}/{f}"] = a.folder / f
            stubs[f"{a.slug}/{f}"] = hashlib.sha256((a.folder / f).read_bytes()).hexdigest()
    out[".concurrency-kit/release.json"] = json.dumps(
        {"kit_version": __version__, "built": built,
         "assignments": [a.slug for a in assignments], "stubs": stubs},
        indent=1).encode()
    return out


def _forbidden(assignments: list[manifest.Assignment]) -> dict[bytes, str]:
    """Content that must never ship, whatever its name."""
    out: dict[bytes, str] = {}
    stubs = {(a.folder / f).read_bytes() for a in assignments for f in a.files
             if (a.folder / f).exists()}
    for folder in ("reference", "tests/broken", "tests/hostile"):
        for path in sorted((KIT_ROOT / folder).rglob("*")):
            if path.is_file() and not is_junk(path.relative_to(KIT_ROOT)):
                data = path.read_bytes()
                if data not in stubs and data.strip():   # a variant that is the stub is no secret
                    out.setdefault(data, str(path.relative_to(KIT_ROOT)))
    for a in manifest.load():
        hidden = a.tests_dir / HIDDEN_FILE
        if hidden.exists():
            out[hidden.read_bytes()] = str(hidden.relative_to(KIT_ROOT))
    return out


def check_release(root: Path, assignments: list[manifest.Assignment]) -> list[str]:
    """What is wrong with a built release ([] = nothing)."""
    problems = []
    forbidden = _forbidden(assignments)
    hidden = {a.slug: _hidden_names(a) for a in assignments}
    everywhere = {n: a for a in assignments for n in hidden[a.slug]}
    present = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    for required in ["Makefile", "README.md", "pyproject.toml", "assignments/manifest.toml",
                     "autograder/plugin/__init__.py", "autograder/student/check.py",
                     "lesson/lesson-07-concurrency.txt"] + \
            [f"assignments/{a.slug}/{f}" for a in assignments
             for f in (*a.files, "hints.md", "README.md", "tests/test_visible.py")]:
        if required not in present:
            problems.append(f"{required} is missing")
    for rel, path in sorted(present.items()):
        parts = rel.split("/")
        if parts[0] in ("reference", "tests", "bench", "build", "dist", "grades"):
            problems.append(f"{rel}: the kit's {parts[0]}/ must not ship")
        if parts[-1] == HIDDEN_FILE:
            problems.append(f"{rel}: a hidden test file")
        if rel.startswith(INSTRUCTOR_ROOM + "/"):
            problems.append(f"{rel}: the instructor's room must not ship")
        if is_junk(Path(rel)) or rel.startswith(".git/"):
            problems.append(f"{rel}: junk, cache or git data")
        data = path.read_bytes()
        if data in forbidden:
            problems.append(f"{rel} has the content of {forbidden[data]}")
        text = data.decode("utf-8", errors="replace")
        if rel.endswith(".py") and _INSTRUCTOR_IMPORT.search(text):
            problems.append(f"{rel} imports the instructor's room, which the release leaves out")
        # An assignment's own files must not name its hidden tests; other files none
        # (test_empty_input may be hidden in one assignment and visible in another).
        own = parts[1] if parts[0] == "assignments" and len(parts) > 2 else None
        for fn in (hidden.get(own, set()) if own else everywhere):
            if re.search(rf"\b{re.escape(fn)}\b", text):
                problems.append(f"{rel} names the hidden test {fn}")
    return problems


_INSTRUCTOR_IMPORT = re.compile(r"^\s*(from\s+(\.+|autograder\.)instructor\b"
                                r"|import\s+autograder\.instructor\b)"
                                r"|^\s*from\s+\.+\s+import\s+(.*,\s*)?instructor\b", re.M)


def _write_tree(root: Path, content: dict[str, bytes | Path]) -> None:
    for name in sorted(content):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        item = content[name]
        if isinstance(item, Path):
            shutil.copyfile(item, target)
        else:
            target.write_bytes(item)


def _zip(root: Path, target: Path) -> None:
    tmp = target.with_name(target.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, f"{root.name}/{path.relative_to(root).as_posix()}")
    os.replace(tmp, target)


def _git(root: Path) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="concurrency-kit", GIT_COMMITTER_NAME="concurrency-kit",
               GIT_AUTHOR_EMAIL="kit@localhost", GIT_COMMITTER_EMAIL="kit@localhost")
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                ["git", "commit", "-q", "-m", "The assignments as released"]):
        r = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise ReleaseError(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
    return "a git repository with one commit"


def build(out_dir: str | os.PathLike, *, numbers: list[int] | None = None,
          git: bool = False) -> tuple[Path, Path]:
    """Write out_dir/concurrency-kit-student/ and its .zip, checked; returns both."""
    assignments = [a for a in manifest.load() if not numbers or a.number in numbers]
    if not assignments:
        raise ReleaseError(f"no assignment among {numbers}")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    root, target = out_dir / NAME, out_dir / f"{NAME}.zip"
    built = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    staging = out_dir / f".{NAME}.part"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        work = staging / NAME
        content = files(assignments, built)
        if git:                      # the template repository of a GitHub Classroom
            content[classroom.WORKFLOW] = classroom.workflow(assignments).encode()
        _write_tree(work, content)
        problems = check_release(work, assignments)
        if problems:
            raise ReleaseError("the release would leak or is incomplete:\n  "
                               + "\n  ".join(problems))
        _zip(work, staging / target.name)
        if git:
            _git(work)
        shutil.rmtree(root, ignore_errors=True)
        os.replace(work, root)
        os.replace(staging / target.name, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root, target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder student-release",
                                description="build what students get: a folder and a zip")
    p.add_argument("--out", default="dist", help="where to write them (default: dist)")
    p.add_argument("--assignments", default="",
                   help="numbers to include, comma-separated (default: all)")
    p.add_argument("--git", action="store_true",
                   help="also make the folder a git repository with one commit, with GitHub "
                        "Classroom's autograding workflow (.github/workflows/classroom.yml)")
    args = p.parse_args(argv)
    try:
        numbers = [int(x) for x in args.assignments.split(",") if x.strip()] or None
        root, target = build(args.out, numbers=numbers, git=args.git)
    except (ReleaseError, ValueError, OSError, manifest.ManifestError) as exc:
        return console.fail(str(exc))
    count = sum(1 for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
    print(f"student release: {root} ({count} files{', a git repository' if args.git else ''})")
    print(f"                 {target} ({target.stat().st_size // 1024} KB)")
    print("checked: no reference solution, no hidden test, no broken or hostile variant, "
          "no cache. Students unpack it and run `make check ASSIGNMENT=1`.")
    return 0
