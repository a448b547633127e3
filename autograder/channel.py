"""The results channel between the graded child process and the grader.

The child (the pytest plugin) writes one JSON object per line to a file descriptor the
grader opened for it; the grader reads it. The grader, not the child, decides what each
event is worth: it already knows which tests to expect (it collected them itself), and a
test with no result event scored 0.

Events, in order:
    {"event": "collected", "tests": [{"nodeid", "name", "points", "visibility", "doc"}]}
    {"event": "queued", "nodeid", "timing"}  waiting for the machine lock (machine_lock.py)
    {"event": "start", "nodeid", "waited"}   the test has the machine (or its seat) and runs
    {"event": "result", "nodeid", "outcome", "message", "measurements", "notes",
     "duration", "output"}
    {"event": "hung", "nodeid", "message"}   the child's watchdog gave up on a test
    {"event": "done"}
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any, Iterator

MAX_LINE = 256 * 1024  # one event; longer lines are cut and marked


class Writer:
    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()

    def send(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, **fields}, default=str)
        if len(line) > MAX_LINE:
            # Shorten the long strings only (nodeid, outcome... arrive intact), and never
            # slice the JSON text: a cut line is invalid and the whole event would be lost.
            line = json.dumps({"event": event, **_shorten(fields)}, default=str)
        data = (line + "\n").encode("utf-8", "replace")
        with self._lock:
            view = memoryview(data)
            while view:
                try:
                    n = os.write(self._fd, view)
                except InterruptedError:
                    continue
                except OSError:
                    return  # the grader went away; nothing to do
                view = view[n:]


def _shorten(value: Any, limit: int = 4000) -> Any:
    """`value` with every string longer than `limit` cut and marked."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "\n[... cut]"
    if isinstance(value, dict):
        return {k: _shorten(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shorten(v, max(limit // 4, 200)) for v in value]
    return value


def read_events(fd: int) -> Iterator[dict]:
    """Yield events from `fd` until EOF; malformed lines are skipped (never trusted).

    A line longer than 2 x MAX_LINE is not an event the plugin writes: it is dropped
    as it streams in, so a flood without newlines costs neither memory nor time.
    """
    pieces: list[bytes] = []     # the current, unfinished line
    size = 0
    overflow = False
    while True:
        try:
            chunk = os.read(fd, 65536)
        except InterruptedError:
            continue
        except OSError:
            break
        if not chunk:
            break
        *complete, rest = chunk.split(b"\n")
        for part in complete:
            line = b"".join(pieces) + part
            pieces, size, dropped, overflow = [], 0, overflow, False
            if not dropped:
                event = parse(line)
                if event is not None:
                    yield event
        if rest and not overflow:
            pieces.append(rest)
            size += len(rest)
            if size > 2 * MAX_LINE:
                pieces, size, overflow = [], 0, True
    if pieces and not overflow:
        event = parse(b"".join(pieces))
        if event is not None:
            yield event


def parse(line: bytes) -> dict | None:
    try:
        event = json.loads(line.decode("utf-8", "replace"))
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        return None
    return event
