"""Where things are: the one module that knows the kit's layout (nbgrader's coursedir).

    <kit>/
        assignments/manifest.toml        what an assignment is (manifest.py reads it)
        assignments/<slug>/              the stub, README.md, hints.md, tests/
        reference/<slug>/                the solution (instructors only)
        tests/broken/<slug>/             deliberately broken variants, each with `Fails:`
        tests/golden/<slug>/             what each variant's feedback must read
        tests/hostile/<slug>/            cheats, each with the score it must get
        tests/designs/<slug>/            other designs (correct, subtle, borderline),
                                         each with the score it must get
        lesson/lesson-07-concurrency.txt the lesson the hints quote
        .concurrency-kit/                the student's state (progress.json); in a student
                                         release also release.json and the pristine stubs
        saved/                           files `make reset` put aside

An assignment's own folders are properties of its manifest entry
(`Assignment.folder`, `.tests_dir`, `.reference_dir`, `.broken_dir`, `.golden_dir`,
`.hostile_dir`, `.designs_dir`), all built from the constants here.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from . import KIT_ROOT

ASSIGNMENTS = KIT_ROOT / "assignments"
MANIFEST = ASSIGNMENTS / "manifest.toml"
REFERENCE = KIT_ROOT / "reference"
KIT_TESTS = KIT_ROOT / "tests"
BROKEN = KIT_TESTS / "broken"
GOLDEN = KIT_TESTS / "golden"
HOSTILE = KIT_TESTS / "hostile"
DESIGNS = KIT_TESTS / "designs"
LESSON = KIT_ROOT / "lesson" / "lesson-07-concurrency.txt"
ENGINE = KIT_ROOT / "autograder"
INSTRUCTOR_ROOM = ENGINE / "instructor"
STATE_DIR_NAME = ".concurrency-kit"
RELEASE_MARK = KIT_ROOT / STATE_DIR_NAME / "release.json"
STUBS = KIT_ROOT / STATE_DIR_NAME / "stubs"
SAVED = KIT_ROOT / "saved"
HIDDEN_TESTS = "test_hidden.py"          # in assignments/<slug>/tests/ of the kit only
HIDDEN_SUMMARY = "hidden_tests.json"     # in a release's assignments/<slug>/tests/


def state_dir() -> Path:
    """Where the student's progress is kept (CK_STATE_DIR overrides it)."""
    return Path(os.environ.get("CK_STATE_DIR") or KIT_ROOT / STATE_DIR_NAME)


def release_info() -> dict | None:
    """What release.json says when this checkout is a student release, else None."""
    try:
        return json.loads(RELEASE_MARK.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def in_release() -> bool:
    return release_info() is not None
