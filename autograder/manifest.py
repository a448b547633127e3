"""The course manifest: which assignments exist, their files, points and limits.

`assignments/manifest.toml` is the single place that names an assignment. Everything
else (the stub, the tests, the reference) is found from its slug:

    assignments/<slug>/           stub, README.md, hints.md, tests/
    reference/<slug>/             the solution (never shipped to students)
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from . import paths
from .paths import MANIFEST


class ManifestError(Exception):
    """The manifest is malformed or names something that is not there."""


class UnknownAssignment(LookupError):
    pass


@dataclasses.dataclass(frozen=True)
class Assignment:
    number: int
    slug: str
    title: str
    files: tuple[str, ...]
    points: float
    budget: float
    test_timeout: float
    lesson: str = ""
    memory_mb: int = 4096     # memory of a whole grading, all its processes (jail.py)
    cpu_speedup: bool = False  # graded tests time CPU-bound work against a process pool
    late: str = ""            # the late policy ("10%/day, cap 50%"): instructor/late.py

    @property
    def module(self) -> str:
        """The module name graded tests import (the first student file)."""
        return Path(self.files[0]).stem

    @property
    def folder(self) -> Path:
        return paths.ASSIGNMENTS / self.slug

    @property
    def tests_dir(self) -> Path:
        return self.folder / "tests"

    @property
    def reference_dir(self) -> Path:
        return paths.REFERENCE / self.slug

    @property
    def broken_dir(self) -> Path:
        """Deliberately broken variants, each naming the tests it must fail."""
        return paths.BROKEN / self.slug

    @property
    def golden_dir(self) -> Path:
        """The feedback each broken variant must produce, word for word."""
        return paths.GOLDEN / self.slug

    @property
    def hostile_dir(self) -> Path:
        """Cheats, each with the score it must get."""
        return paths.HOSTILE / self.slug

    @property
    def designs_dir(self) -> Path:
        """Designs other than the reference's, each with the score it must get."""
        return paths.DESIGNS / self.slug

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}"


_REQUIRED = {"number": int, "slug": str, "title": str, "files": list,
             "points": (int, float), "budget": (int, float), "test_timeout": (int, float)}


def _parse(entry: dict, where: str) -> Assignment:
    for key, kind in _REQUIRED.items():
        if key not in entry:
            raise ManifestError(f"{where}: missing '{key}'")
        if not isinstance(entry[key], kind) or isinstance(entry[key], bool):
            raise ManifestError(f"{where}: '{key}' has the wrong type ({entry[key]!r})")
    if not entry["files"] or not all(isinstance(f, str) and f.endswith(".py") for f in entry["files"]):
        raise ManifestError(f"{where}: 'files' must list one or more .py file names")
    if entry["test_timeout"] <= 0 or entry["budget"] <= entry["test_timeout"]:
        raise ManifestError(f"{where}: need 0 < test_timeout < budget")
    memory = entry.get("memory_mb", 4096)
    if not isinstance(memory, int) or isinstance(memory, bool) or memory < 256:
        raise ManifestError(f"{where}: 'memory_mb' must be a whole number of MB, at least 256")
    cpu_speedup = entry.get("cpu_speedup", False)
    if not isinstance(cpu_speedup, bool):
        raise ManifestError(f"{where}: 'cpu_speedup' must be true or false")
    late = entry.get("late", "")
    if not isinstance(late, str):
        raise ManifestError(f"{where}: 'late' must be a string such as \"10%/day, cap 50%\"")
    unknown = set(entry) - set(_REQUIRED) - {"lesson", "memory_mb", "cpu_speedup", "late"}
    if unknown:
        raise ManifestError(f"{where}: unknown keys {sorted(unknown)}")
    return Assignment(
        number=entry["number"], slug=entry["slug"], title=entry["title"],
        files=tuple(entry["files"]), points=float(entry["points"]),
        budget=float(entry["budget"]), test_timeout=float(entry["test_timeout"]),
        lesson=entry.get("lesson", ""), memory_mb=memory, cpu_speedup=cpu_speedup, late=late,
    )


def load(path: Path = MANIFEST) -> list[Assignment]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"cannot read the manifest {path}: {exc}") from exc
    entries = data.get("assignment", [])
    assignments = [_parse(e, f"{path.name} entry {i + 1}") for i, e in enumerate(entries)]
    for attr in ("number", "slug"):
        values = [getattr(a, attr) for a in assignments]
        dupes = {v for v in values if values.count(v) > 1}
        if dupes:
            raise ManifestError(f"{path.name}: duplicate {attr} {sorted(dupes)}")
    return sorted(assignments, key=lambda a: a.number)


def get(key: str | int, path: Path = MANIFEST) -> Assignment:
    """Find an assignment by number ("3", "03", 3) or slug ("03_batch_the_tiny_tasks")."""
    assignments = load(path)
    text = str(key).strip()
    for a in assignments:
        if text == a.slug or (text.isdigit() and int(text) == a.number):
            return a
    known = ", ".join(f"{a.number} ({a.slug})" for a in assignments) or "none"
    raise UnknownAssignment(f"no assignment {key!r} in the manifest; known: {known}")


def for_tests_dir(path: Path) -> Assignment | None:
    """The assignment whose tests/ folder holds `path` (used by the pytest plugin)."""
    path = Path(path).resolve()
    for a in load():
        try:
            path.relative_to(a.tests_dir.resolve())
            return a
        except ValueError:
            continue
    return None
