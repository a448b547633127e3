"""The plugin's state: per-session (the channel, the test running, the judge), the stash
keys the hooks and the fixtures share, and what a graded test is (its markers)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .. import channel as _channel
from ..checks import stacks
from ..checks.feedback import Feedback

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
HUNG_GRACE = 2.0  # seconds past the test timeout before the watchdog gives up on a test
HANG_CAUSE = ("a thread waits for something that never comes: a join() on a queue whose "
              "task_done() calls are missing, a get() with no sentinel, or a lock never "
              "released (lesson IV, 'Clean shutdown: Use sentinel values (like None) to stop "
              "workers')")


class TestHung(pytest.fail.Exception):  # a BaseException: `except Exception` cannot eat it
    """A graded test ran past its timeout."""


class Grading:
    """Per-session state of the plugin."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        fd, key_fd = config.getoption("--ck-channel-fd"), config.getoption("--ck-key-fd")
        key = _channel.read_key(key_fd) if key_fd is not None else None
        self.writer = _channel.Writer(fd, key) if fd is not None else None
        del key
        self.current: pytest.Item | None = None
        self.current_since = 0.0
        self.current_timeout: float | None = None
        self.current_reports: list = []
        self.results: dict[str, dict] = {}
        self.submission = self._submission_dir()
        if self.submission is not None:
            stacks.STUDENT_ROOTS[:] = [os.path.realpath(self.submission)]
        self.judge = None                        # grading.judge.Judge, started lazily

    def _submission_dir(self) -> Path | None:
        chosen = self.config.getoption("--ck-submission") or os.environ.get("CK_SUBMISSION")
        if chosen:
            return Path(chosen).resolve()
        return None

    def send(self, event: str, **fields: Any) -> None:
        if self.writer is not None:
            self.writer.send(event, **fields)


KEY = pytest.StashKey[Grading]()


FEEDBACK = pytest.StashKey[Feedback]()


HANG = pytest.StashKey[str]()

SESSION = pytest.StashKey[Any]()        # the test's worker session
SESSION_END = pytest.StashKey[dict]()   # what it confessed and printed, at teardown
CONFIG: list = [None]                   # the running session's config (hooks without one)


def state_of(config: pytest.Config) -> Grading:
    return config.stash[KEY]


def state_or_none() -> Grading | None:
    config = CONFIG[0]
    return config.stash.get(KEY, None) if config is not None else None


def graded_info(item: pytest.Item) -> dict | None:
    """{points, visibility} of a graded test, or None for an ordinary test."""
    points = item.get_closest_marker("points")
    if points is None:
        return None
    vis = item.get_closest_marker("visibility")
    visibility = vis.args[0] if vis else "visible"
    if visibility not in VISIBILITIES:
        raise pytest.UsageError(f"{item.nodeid}: visibility {visibility!r} not one of {VISIBILITIES}")
    value = points.args[0]
    if not isinstance(value, (int, float)) or value < 0:
        raise pytest.UsageError(f"{item.nodeid}: points must be a number >= 0, not {value!r}")
    doc = (getattr(item, "function", None).__doc__ or "").strip() if hasattr(item, "function") else ""
    return {"nodeid": item.nodeid, "name": title(item, doc), "points": float(value),
            "visibility": visibility, "doc": doc,
            "timing": item.get_closest_marker("timing") is not None}


def title(item: pytest.Item, doc: str) -> str:
    first = doc.splitlines()[0].strip() if doc else ""
    base = getattr(item, "originalname", None) or item.name
    title = first or base.removeprefix("test_").replace("_", " ")
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params:
        title += " (" + ", ".join(f"{k}={v!r}" for k, v in callspec.params.items()) + ")"
    return title


def is_hidden(item: pytest.Item) -> bool:
    info = graded_info(item)
    return (info is not None and info["visibility"] != "visible") or \
        stacks.is_hidden_file(str(item.path))

