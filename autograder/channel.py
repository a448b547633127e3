"""The results channel between the graded child process and the grader.

The child (the pytest plugin) writes one JSON object per line to a file descriptor the
grader opened for it; the grader reads it. The grader, not the child, decides what each
event is worth: it already knows which tests to expect (it collected them itself), and a
test with no result event scored 0.

Events, in order:
    {"event": "collected", "tests": [{"nodeid", "name", "points", "visibility", "doc"}]}
    {"event": "start", "nodeid"}
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
            fields = {k: (v[:4000] + "\n[... cut]" if isinstance(v, str) else v)
                      for k, v in fields.items()}
            line = json.dumps({"event": event, **fields}, default=str)[:MAX_LINE]
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


def read_events(fd: int) -> Iterator[dict]:
    """Yield events from `fd` until EOF; malformed lines are skipped (never trusted)."""
    buf = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except InterruptedError:
            continue
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            event = parse(line)
            if event is not None:
                yield event
    if buf.strip():
        event = parse(buf)
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
