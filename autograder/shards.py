"""One grading split into parts run at once, and put back together.

`make check` splits its visible tests into two gradings on a machine with two CPUs or
more (the visible tests mostly wait: deadlines, slow producers); `make grade` grades as
the instructor does, in one. Timed tests still take the machine alone (machine_lock.py).

    grade_interruptibly(a, path, visibility=...)   the Grade, or None when cancelled
"""
from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable

from . import runner
from .concurrently import first_error, run_all
from .manifest import Assignment
from .scoring import Grade


def shards_for(visibility: str) -> int:
    """How many gradings: two for the visible tests on two CPUs or more, else one.
    CK_CHECK_SHARDS overrides."""
    if visibility != "visible":
        return 1
    try:
        return max(1, int(os.environ["CK_CHECK_SHARDS"]))
    except (KeyError, ValueError):
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return 2 if (cpus or 1) >= 2 else 1


def split(tests: list, shards: int, durations: dict[str, float]) -> list[list[str]]:
    """Nodeids in `shards` groups of about equal time (the last check's durations; 1 s
    for a test not seen yet), longest first; each group keeps the tests' order."""
    groups: list[list[str]] = [[] for _ in range(max(1, shards))]
    load = [0.0] * len(groups)
    for t in sorted(tests, key=lambda t: -durations.get(t.nodeid, 1.0)):
        k = load.index(min(load))
        groups[k].append(t.nodeid)
        load[k] += durations.get(t.nodeid, 1.0)
    order = {t.nodeid: i for i, t in enumerate(tests)}
    return [sorted(g, key=order.__getitem__) for g in groups if g]


def merge(parts: list[Grade], expected: list) -> Grade:
    """One Grade of the parts' tests, in the order of `expected`."""
    by_id = {r.info.nodeid: r for g in parts for r in g.tests}
    notes: list[str] = []
    for g in parts:
        notes += [n for n in g.notes if n not in notes]
    first = parts[0]
    return Grade(assignment=first.assignment, title=first.title,
                 tests=[by_id[t.nodeid] for t in expected if t.nodeid in by_id], notes=notes,
                 duration=max(g.duration for g in parts), visibility=first.visibility,
                 waited=max(g.waited for g in parts), sandbox=first.sandbox,
                 cannot_run=first.cannot_run)


def grade_interruptibly(a: Assignment, path, *, visibility: str,
                        budget: float | None = None,
                        progress_cb: Callable[[dict], None] | None = None,
                        cancel: threading.Event | None = None,
                        python=None, durations: dict[str, float] | None = None) -> Grade | None:
    """Grade on worker threads, so Ctrl-C (or `cancel`) kills the tests' process trees
    instead of leaving them running. Returns None when cancelled. `durations` (the last
    check's, per nodeid) balance the parts."""
    cancel = cancel or threading.Event()
    groups: list[list[str] | None] = [None]          # None: every test, one grading
    expected = []
    shards = shards_for(visibility)
    if shards > 1:
        expected = runner.expected_tests(a, visibility)
        groups = split(expected, shards, durations or {})
        groups = groups if len(groups) > 1 else [None]
    one = functools.partial(runner.grade, a, path, visibility=visibility, budget=budget,
                            cancel=cancel, progress=progress_cb, python=python)
    futures = run_all([functools.partial(one, only=g) for g in groups],
                      cancel=cancel, name="ck-grading")
    error = first_error(futures)
    if error is not None:
        raise error
    if cancel.is_set():
        return None
    grades = [f.result() for f in futures]
    return grades[0] if len(grades) == 1 else merge(grades, expected)
