"""DIR/push-ledger.jsonl: what was pushed where, one JSON line per student delivered.

    Ledger(path).sent(target, student) -> fingerprint or None
    Ledger(path).record(target, student, fingerprint, lms_id, what)

A line is appended (and flushed to disk) the moment the LMS has accepted a student, so
an interrupted push loses nothing: the next run skips every student whose last line for
that target has the fingerprint of what it would send now, and sends the others (a
regrade changes the fingerprint, so it is sent again). A torn last line, from a machine
that went down mid-write, is ignored. The ledger never holds a token.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path

LEDGER = "push-ledger.jsonl"


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._last: dict[tuple[str, str], str] = {}
        self.torn = 0
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                self._take(line)

    def _take(self, line: str) -> None:
        try:
            rec = json.loads(line)
            self._last[(rec["target"], rec["student"])] = rec["fingerprint"]
        except (ValueError, KeyError, TypeError):
            self.torn += 1

    def sent(self, target: str, student: str) -> str | None:
        """The fingerprint last delivered to `target` for `student`, or None."""
        return self._last.get((target, student))

    def record(self, target: str, student: str, fingerprint: str, lms_id: str,
               what: dict) -> None:
        rec = {"target": target, "student": student, "fingerprint": fingerprint,
               "lms_id": lms_id, "at": _dt.datetime.now(_dt.timezone.utc).isoformat(
                   timespec="seconds"), **what}
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self._last[(target, student)] = fingerprint
