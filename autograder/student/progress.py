"""What a student has done so far: best visible scores, hints read. One small JSON file.

    <kit>/.concurrency-kit/progress.json    (CK_STATE_DIR overrides the folder)

    {"assignments": {"01_fix_the_consumer": {
        "best": 12, "max": 18, "best_at": "2026-11-26T05:31:02Z", "best_sha": "...",
        "last": 9, "last_at": "...", "last_sha": "...", "checks": 7, "hints": 2,
        "durations": {"<nodeid>": 1.02, ...}}}}

Written by `make check` and `make watch` (the student's room) when they grade the student's own
working copy (never a path given on the command line), read by `make status`. Updates are
atomic and serialised by a file lock, so `make watch` and `make check` may run at once. A
damaged file is set aside (progress.json.damaged) and progress starts afresh: nothing a
student did is ever fatal.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import hashlib
import json
import os
from pathlib import Path

from .. import files
from ..paths import state_dir


def _file() -> Path:
    return state_dir() / "progress.json"


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return None


def _read() -> dict:
    path = _file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"assignments": {}}
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.replace(path, path.with_suffix(".json.damaged"))
        return {"assignments": {}}
    if not isinstance(data, dict) or not isinstance(data.get("assignments"), dict):
        return {"assignments": {}}
    return data


@contextlib.contextmanager
def _locked():
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "progress.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(data: dict) -> None:
    files.atomic_write(_file(), json.dumps(data, indent=1, sort_keys=True) + "\n")


def get(slug: str) -> dict:
    """This assignment's record ({} when nothing was recorded yet)."""
    entry = _read()["assignments"].get(slug)
    return dict(entry) if isinstance(entry, dict) else {}


def update(slug: str, change) -> dict:
    """Apply `change(entry)` (which edits the dict in place) under the lock; returns the
    entry as saved. Returns the unsaved entry if the state folder is read-only."""
    try:
        with _locked():
            data = _read()
            entry = data["assignments"].setdefault(slug, {})
            if not isinstance(entry, dict):
                entry = data["assignments"][slug] = {}
            change(entry)
            _write(data)
            return dict(entry)
    except OSError:
        entry = get(slug)
        change(entry)
        return entry


def record_check(slug: str, score: float, max_score: float, file_sha: str | None, *,
                 durations: dict[str, float] | None = None) -> dict:
    """A grading of the working copy: its visible score, and each test's duration (the
    next check balances its two gradings with them). Returns the entry before this check
    (so a report can say "best so far" and "up from ...")."""
    before: dict = {}

    def change(entry: dict) -> None:
        before.update(entry)
        stamp = now()
        entry.update(last=score, max=max_score, last_at=stamp, last_sha=file_sha,
                     checks=int(entry.get("checks", 0)) + 1)
        if durations is not None:
            entry["durations"] = durations
        kit_changed = before.get("max") not in (None, max_score)  # new tests: start over
        if "best" not in before or score > float(before["best"]) or kit_changed:
            entry.update(best=score, best_at=stamp, best_sha=file_sha)
    update(slug, change)
    return before


def hints_shown(slug: str) -> int:
    return int(get(slug).get("hints", 0))


def set_hints_shown(slug: str, n: int) -> None:
    def change(entry: dict) -> None:
        entry["hints"] = max(int(entry.get("hints", 0)), n)
    update(slug, change)


def ago(stamp: str | None) -> str:
    """A time stamp of this file as a person says it: "just now", "3 h ago"."""
    if not stamp:
        return "never"
    try:
        then = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        return stamp
    secs = (_dt.datetime.now(_dt.timezone.utc) - then).total_seconds()
    if secs < 90:
        return "just now"
    if secs < 90 * 60:
        return f"{secs / 60:.0f} min ago"
    if secs < 36 * 3600:
        return f"{secs / 3600:.0f} h ago"
    return f"{secs / 86400:.0f} days ago"
