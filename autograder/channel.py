"""The results channel between the graded child process and the grader.

The child (the pytest plugin) writes one JSON object per line to a file descriptor the
grader opened for it; the grader reads it. The grader, not the child, decides what each
event is worth: it already knows which tests to expect (it collected them itself), and a
test with no result event scored 0.

Events, in order:
    {"event": "collected", "tests": [{"nodeid", "name", "points", "visibility", "doc"}]}
    {"event": "worker-queued"}               before the first test: the worker's start
    {"event": "worker-start", "waited"}      waits for the machine lock, then imports
    {"event": "queued", "nodeid", "timing"}  waiting for the machine lock (machine_lock.py)
    {"event": "start", "nodeid", "waited"}   the test has the machine (or its seat) and runs
    {"event": "result", "nodeid", "outcome", "message", "measurements", "notes",
     "flags", "duration", "output"}
    {"event": "hung", "nodeid", "message"}   the child's watchdog gave up on a test
    {"event": "done"}

Signed events (the grader's children): the grader hands the child a fresh random key
through a pipe of its own, which the plugin reads and closes before any student code runs.
Every event then carries "seq" (0, 1, 2...) and ends with "mac", an HMAC-SHA256 of the
line before it. The grader's Verifier turns a line that is not signed with the key, or
out of sequence, into {"event": "forged"}: what a submission writes to the pipe by itself
(it can find the descriptor in /proc/self/fd) is never taken for a result. The key lives
only inside a keyed HMAC object, never as a Python bytes object; what remains possible to
code in the same process is to call the plugin's own Writer, and runner.py's protocol
checks catch the cheap ways of doing that (see README, "Scores the student cannot forge").
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from typing import Any
from collections.abc import Iterator

MAX_LINE = 256 * 1024  # one event; longer lines are cut and marked


KEY_BYTES = 32
_MAC_TAIL = len(',"mac":""}') + 64      # the signature closes every signed line


def read_key(fd: int) -> bytes:
    """The key the grader wrote to `fd`; the descriptor is closed."""
    try:
        data = b""
        while len(data) < KEY_BYTES:
            chunk = os.read(fd, KEY_BYTES - len(data))
            if not chunk:
                break
            data += chunk
        return data
    finally:
        os.close(fd)


def _mac(keyed: hmac.HMAC, body: bytes) -> str:
    m = keyed.copy()
    m.update(body)
    return m.hexdigest()


class Writer:
    def __init__(self, fd: int, key: bytes | None = None) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._keyed = hmac.new(key, digestmod=hashlib.sha256) if key else None
        self._seq = 0

    def send(self, event: str, **fields: Any) -> None:
        with self._lock:
            if self._keyed is not None:
                fields = {**fields, "seq": self._seq}
                self._seq += 1
            line = json.dumps({"event": event, **fields}, default=str)
            if len(line) > MAX_LINE:
                # Shorten the long strings only (nodeid, outcome... arrive intact), and never
                # slice the JSON text: a cut line is invalid and the whole event would be lost.
                line = json.dumps({"event": event, **_shorten(fields)}, default=str)
            data = line.encode("utf-8", "replace")
            if self._keyed is not None:
                data = data[:-1] + f',"mac":"{_mac(self._keyed, data)}"}}'.encode()
            self._write(data + b"\n")

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self._fd, view)
            except InterruptedError:
                continue
            except OSError:
                return  # the grader went away; nothing to do
            view = view[n:]


class Verifier:
    """The grader's side of signed events: check(line) -> the event, or a "forged" event
    for a line not signed with the key or out of sequence. After the first forged line,
    nothing more is believed."""

    def __init__(self, key: bytes) -> None:
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)
        self.next_seq = 0
        self.forged: str | None = None

    def check(self, line: bytes) -> dict | None:
        if not line.strip():
            return None
        why = self._why(line)
        if why is None and self.forged is None:
            self.next_seq += 1
            event = parse(line)
            if event is not None:
                event.pop("mac", None)
            return event
        if self.forged is None:
            self.forged = why or "a line after a forged one"
        return {"event": "forged", "why": why or self.forged, "line": line[:300].decode("utf-8", "replace")}

    def _why(self, line: bytes) -> str | None:
        if len(line) < _MAC_TAIL or not line.endswith(b'"}') or b',"mac":"' not in line[-_MAC_TAIL:]:
            return "a line without the grader's signature"
        body, mac = line[:-_MAC_TAIL] + b"}", line[-_MAC_TAIL + len(',"mac":"'):-2]
        if not hmac.compare_digest(_mac(self._keyed, body).encode(), mac):
            return "a line with a wrong signature"
        event = parse(body)
        if event is None or event.get("seq") != self.next_seq:
            return (f"a correctly signed line out of sequence (seq {event.get('seq') if event else '?'}"
                    f", expected {self.next_seq}): a line replayed or written twice")
        return None


def _shorten(value: Any, limit: int = 4000) -> Any:
    """`value` with every string longer than `limit` cut and marked."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "\n[... cut]"
    if isinstance(value, dict):
        return {k: _shorten(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shorten(v, max(limit // 4, 200)) for v in value]
    return value


def read_events(fd: int, verifier: Verifier | None = None) -> Iterator[dict]:
    """Yield events from `fd` until EOF; malformed lines are skipped (never trusted).
    With a `verifier`, every line is checked (a forged line yields a "forged" event).

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
                event = verifier.check(line) if verifier else parse(line)
                if event is not None:
                    yield event
        if rest and not overflow:
            pieces.append(rest)
            size += len(rest)
            if size > 2 * MAX_LINE:
                pieces, size, overflow = [], 0, True
    if pieces and not overflow:
        line = b"".join(pieces)
        event = verifier.check(line) if verifier else parse(line)
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


CLOCK_SLACK = 0.5   # seconds: transport and scheduling between the child's and our clock


def audit(events: list[dict], pending: list[str], arrived: list[float] | None = None
          ) -> tuple[list[dict], str | None, str | None]:
    """Check one child's events against the protocol the plugin follows; returns
    (the events believed, the test the first broken rule concerns, what broke).

    The child may only run tests the grader asked for (`pending`), each once: queued,
    start, then one result (or hung) for that very test, then the next; "done" last. A
    result may not last longer (by the child's clock) than the grader saw it take (by its
    own): a clock that runs fast inside is a clock someone changed. A "forged" line (see
    Verifier) or a result reporting tampering (a confession of
    the worker, grading/ckworker/confess.py) ends what is believed too.
    Everything from the first broken rule on is dropped: those tests score 0.
    `arrived[i]`: when events[i] reached the grader (its clock); without it, no clock check."""
    protocol = _Protocol(pending)
    believed: list[dict] = []
    for i, event in enumerate(events):
        at = arrived[i] if arrived is not None and i < len(arrived) else None
        why = protocol.broken(event, at)
        if why is not None:
            nodeid = event.get("nodeid")
            return believed, (nodeid if nodeid in protocol.allowed else None) or protocol.upcoming(), why
        believed.append(event)
    return believed, None, None


class _Protocol:
    """Where one child is in the protocol: the test announced (queued), the test running
    (current, since `started_at` on the grader's clock), the tests already run (seen)."""

    def __init__(self, pending: list[str]) -> None:
        self.pending = pending
        self.allowed, self.seen = set(pending), set()
        self.queued: str | None = None
        self.current: str | None = None
        self.started_at: float | None = None

    def upcoming(self) -> str | None:
        """The test the protocol is at: running, announced, or the next one to run."""
        return self.current or self.queued or next((n for n in self.pending if n not in self.seen), None)

    def broken(self, event: dict, at: float | None) -> str | None:
        """The rule `event` breaks, or None: then it is believed and the protocol moves on."""
        kind = event.get("event")
        rule = _RULES.get(kind) if isinstance(kind, str) else None
        if rule is None:
            return f"an event the plugin never sends ({kind!r})"
        return rule(self, event, at)

    def forged(self, event: dict, at: float | None) -> str | None:
        return f"the results pipe received {event.get('why', 'a forged line')}"

    def collected(self, event: dict, at: float | None) -> str | None:
        return None

    def worker(self, event: dict, at: float | None) -> str | None:
        if self.current is not None or self.queued is not None or self.seen:
            return f"the worker started in the middle of the tests ({event.get('event')!r})"
        return None

    def announced(self, event: dict, at: float | None) -> str | None:
        nodeid = event.get("nodeid")
        if self.current is not None or nodeid not in self.allowed or nodeid in self.seen:
            return f"a test announced out of order ({nodeid!r})"
        self.queued = nodeid
        return None

    def started(self, event: dict, at: float | None) -> str | None:
        nodeid = event.get("nodeid")
        if nodeid != self.queued or self.current is not None:
            return f"a test started out of order ({nodeid!r})"
        self.current, self.queued, self.started_at = nodeid, None, at
        self.seen.add(nodeid)
        return None

    def finished(self, event: dict, at: float | None) -> str | None:
        nodeid = event.get("nodeid")
        if nodeid != self.current:
            return f"a result for a test that was not running ({nodeid!r})"
        why = _confessed(event, at, self.started_at) if event.get("event") == "result" else None
        if why is None:
            self.current = None
        return why

    def done(self, event: dict, at: float | None) -> str | None:
        if self.current is not None:
            return "the test process said it was done in the middle of a test"
        return None


_RULES = {"forged": _Protocol.forged, "collected": _Protocol.collected,
          "worker-queued": _Protocol.worker, "worker-start": _Protocol.worker,
          "queued": _Protocol.announced, "start": _Protocol.started,
          "result": _Protocol.finished, "hung": _Protocol.finished, "done": _Protocol.done}


def _confessed(result: dict, at: float | None, started_at: float | None) -> str | None:
    """What a result of the running test itself shows wrong: a confession of tampering,
    a channel garbled by the student's code, a clock that ran fast."""
    if result.get("tampered"):
        return "your code replaced " + ", ".join(map(str, result["tampered"][:6]))
    if result.get("garbled"):
        return ("your code wrote to the grader's channel something that is not the "
                f"grader's protocol ({str(result['garbled'])[:200]})")
    if at is not None and started_at is not None:
        inside = _seconds(result.get("duration"))
        outside = at - started_at
        if inside > outside * 1.05 + CLOCK_SLACK:
            return (f"the test process's clock said this test took {inside:.2f} s, but "
                    f"it took {outside:.2f} s (the grader's clock): its clock was changed")
    return None


def _seconds(value: Any) -> float:
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return 0.0
