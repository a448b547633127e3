"""The push, student by student: decide, skip what was sent, send, record, report.

    push(target, parcels, ledger, *, dry_run, include_errors, backoff, say) -> Tally

A target (canvas.py, moodle.py) knows one LMS: connect() checks the token and finds the
assignment, plan(parcel) says what it would send (or why it cannot), deliver() sends it.
Everything else is here, the same for every LMS:

- a row the grader could not grade (status "error") is not pushed as a zero unless
  include_errors says so;
- a student whose ledger line has the fingerprint of what would be sent now is skipped
  ("unchanged"): pushing twice sends nothing new;
- a target's pace() (Canvas: its X-Rate-Limit-Remaining running low) pauses between
  students before the LMS has to refuse one;
- Throttled (the LMS's rate limit) waits and tries the same student again, the wait
  doubling from `backoff` seconds up to BACKOFF_CAP, at most TRIES times; Rejected (this
  student only: not in the course, a refused grade) is reported with the LMS's reason
  and the push goes on; Refused (the token, the course, the assignment) stops it;
- each delivered student is written to the ledger at once, so Ctrl-C loses nothing.
"""
from __future__ import annotations

import dataclasses
import functools
import time
import urllib.parse
from typing import Callable, Protocol

from .ledger import Ledger
from .outbox import Parcel, fingerprint

BACKOFF_CAP = 64.0       # seconds: the longest wait between two tries of one student
TRIES = 8                # tries of one student under throttling before it is reported


class Refused(Exception):
    """The LMS refuses the whole push (bad token, no such course or assignment)."""


class Rejected(Exception):
    """The LMS refused this student only; the message is its reason, for the instructor."""


class Throttled(Exception):
    """The LMS asks us to slow down; `wait` is how long it said, when it said."""

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


@dataclasses.dataclass
class Plan:
    lms_id: str                  # who the student is to the LMS
    what: dict                   # what would be sent (the fingerprint's input)
    shown: str                   # one line for --dry-run and the report


class Target(Protocol):
    lms: str                     # "Canvas", "Moodle"
    key: str                     # where: the ledger's target ("canvas https://... 12/34")

    def connect(self) -> list[str]: ...                    # notes (e.g. points scaled)
    def plan(self, parcel: Parcel) -> Plan: ...            # raises Rejected: cannot be sent
    def deliver(self, parcel: Parcel, plan: Plan, fp: str) -> str: ...   # what was done


@dataclasses.dataclass
class Tally:
    sent: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    would: list[str] = dataclasses.field(default_factory=list)          # --dry-run
    rejected: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    waited: float = 0.0          # seconds spent waiting for the LMS's rate limit

    def line(self, lms: str, dry_run: bool) -> str:
        parts = ([f"{len(self.would)} would be sent"] if dry_run
                 else [f"{len(self.sent)} sent to {lms}"])
        parts.append(f"{len(self.unchanged)} unchanged since the last push")
        if self.rejected:
            parts.append(f"{len(self.rejected)} rejected by {lms}")
        if self.skipped:
            parts.append(f"{len(self.skipped)} not sent")
        if self.waited:
            parts.append(f"{self.waited:.1f} s waited for {lms}'s rate limit")
        return "; ".join(parts)


def push(target: Target, parcels: list[Parcel], ledger: Ledger, *, dry_run: bool = False,
         include_errors: bool = False, backoff: float = 1.0,
         say: Callable[[str], None] = print, sleep: Callable[[float], None] = time.sleep) -> Tally:
    """Every parcel to `target` (see the module doc); Refused propagates."""
    tally = Tally()
    for parcel in parcels:
        if parcel.status != "graded" and not include_errors:
            tally.skipped.append((parcel.student, f"not graded ({parcel.message}); "
                                  "--include-errors sends it as 0 with that reason"))
            continue
        try:
            plan = target.plan(parcel)
        except Rejected as exc:
            tally.skipped.append((parcel.student, str(exc)))
            continue
        fp = fingerprint(target.key, plan.what)
        if ledger.sent(target.key, parcel.student) == fp:
            tally.unchanged.append(parcel.student)
            continue
        if dry_run:
            tally.would.append(parcel.student)
            say(f"  would send {parcel.student} ({target.lms} {plan.lms_id}): {plan.shown}")
            continue
        try:
            done = _with_backoff(functools.partial(target.deliver, parcel, plan, fp), backoff,
                                 tally, sleep)
        except Rejected as exc:
            tally.rejected.append((parcel.student, str(exc)))
            say(f"  REJECTED {parcel.student} ({target.lms} {plan.lms_id}): {exc}")
            continue
        ledger.record(target.key, parcel.student, fp, plan.lms_id, {"done": done})
        tally.sent.append(parcel.student)
        say(f"  sent {parcel.student} ({target.lms} {plan.lms_id}): {done}")
        pause = min(BACKOFF_CAP, getattr(target, "pace", lambda: 0.0)())
        if pause > 0:                # the LMS says its quota runs low: let it refill
            sleep(pause)
            tally.waited += pause
    return tally


def _with_backoff(call: Callable[[], str], backoff: float, tally: Tally,
                  sleep: Callable[[float], None]) -> str:
    """call(), tried again after each Throttled: the LMS's own wait when it gives one,
    else `backoff` seconds doubling to BACKOFF_CAP; after TRIES, Rejected."""
    wait = backoff
    for attempt in range(1, TRIES + 1):
        try:
            return call()
        except Throttled as exc:
            if attempt == TRIES:
                raise Rejected(f"still rate-limited after {TRIES} tries ({exc}); push "
                               "again later: the ledger keeps what was sent") from exc
            pause = min(BACKOFF_CAP, exc.wait if exc.wait is not None else wait)
            sleep(pause)
            tally.waited += pause
            wait = min(BACKOFF_CAP, wait * 2)
    raise AssertionError("unreachable")


def check_url(url: str) -> str | None:
    """Why this URL must not get a token (None: it may): https, or http to this machine."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.netloc:
        return None
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return None
    return (f"{url} is not an https:// address: the token would cross the network in the "
            "clear (http:// is accepted only for this machine)")
