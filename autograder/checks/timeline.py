"""What the threads did, over time: one lane per thread of the student's code, one bar per
call into a test double, from the judge's own log of those calls (tracking.CallTracker:
each call's start and end on the judge's clock, the calling thread as the worker named it).
A sequential downloader is one lane of back-to-back bars; a pool of five, five lanes whose
bars overlap. It is what the lesson is about, drawn from evidence the student cannot reach.

    of_test()           the timeline of the test that just ran, as plain data (or None):
                        the calls the student's code made into every tracker of the test,
                        over the last call of the student's code that made any
    text(timeline)      the same as lines of text, for a student's feedback
    note_span(a, b)     Session.call() says when a call of the student's code ran

The data (what the results channel carries, what scoring keeps and what the compare page
draws):
    {"what": "requests", "of": "threads", "span": 1.02, "calls": 10, "peak": 5,
     "lanes": [{"name": "ThreadPoolExecutor-0_0", "bars": [[0.0, 0.1, ""], ...]}, ...],
     "more_lanes": 0, "note": "..."}
times in seconds from the start of the window; a bar's third field is "" (returned),
"error" (raised) or "open" (still running when the test ended); "of" is "processes" for
a picture of CPU use (of_cpu: a bar where a process computed); "note" (when there is one)
says what the test's doubles did to the calls (a tracker's `hold_note`: held some).
"""
from __future__ import annotations

import math
import os

from ..terminal import clip
from . import tracking
from .timing import now

MAX_LANES = 12        # lanes kept (the rest counted in "more_lanes")
MAX_BARS = 400        # bars kept over all lanes (a lane's first ones)
NAME_WIDTH = 22       # columns of a lane's name in text()
_SPANS: list[tuple[float, float]] = []     # calls of the student's code in the test running
_CPU_VIEWS: list = []                       # TreeCpu views of the test running
BUSY = 0.3            # a process computing for this share of a sampling interval is busy


def begin_test() -> None:
    """Forget the trackers, calls and CPU views of the test before."""
    tracking.forget_trackers()
    _SPANS.clear()
    _CPU_VIEWS.clear()


def watch_cpu(view) -> None:
    """A TreeCpu (grading/evidence.py) began: with no call into a double, the last one is
    the test's picture, a row per process."""
    _CPU_VIEWS.append(view)


def note_span(started: float | None, returned: float | None) -> None:
    if started is not None:
        _SPANS.append((started, returned if returned is not None else math.inf))


def of_test() -> dict | None:
    """The test's timeline: see the module. None when no student call reached a double."""
    made = [(t, _students(t.calls)) for t in tracking.trackers_made()]
    calls = _window([c for _, log in made for c in log])
    if not calls:
        pictures = (of_cpu(v) for v in reversed(_CPU_VIEWS))
        return next((p for p in pictures if p is not None), None)
    chosen = {id(c) for c in calls}
    used = [t for t, log in made if any(id(c) in chosen for c in log)]
    out = build(", ".join(dict.fromkeys(label_of(t) for t in used)), calls)
    notes = list(dict.fromkeys(t.hold_note for t in used if getattr(t, "hold_note", "")))
    if notes:
        out["note"] = " ".join(notes)
    return out


def label_of(tracker) -> str:
    label = getattr(tracker, "label", "")
    if label:
        return label
    name = getattr(tracker, "__name__", "")
    return f"calls to {name}()" if name.isidentifier() and name != "func" else "calls"


def _students(calls: list) -> list:
    """The calls the student's code made (from the worker), not the grader's own."""
    here = os.getpid()
    return [c for c in list(calls) if c.pid and c.pid != here]


def _window(calls: list) -> list:
    """The calls of the last call of the student's code that made any (a timed test runs its
    code several times: one run is the picture); all of them if no span is known."""
    for start, end in reversed(_SPANS):
        inside = [c for c in calls if start <= c.start <= end]
        if inside:
            return inside
    return calls


def build(what: str, calls: list, *, start: float | None = None,
          end: float | None = None) -> dict:
    """Plain data of a timeline of `calls` (tracking.Call), from `start` (default: the
    span of the student call that made them, else the first call) to `end`."""
    first = min(c.start for c in calls)
    span = next(((a, b) for a, b in reversed(_SPANS) if a <= first <= b), None)
    t0 = start if start is not None else min(first, span[0] if span else first)
    ends = [c.end for c in calls if c.end is not None]
    last = max(ends + [c.start for c in calls])
    if span and math.isfinite(span[1]):
        last = max(last, span[1])
    elif any(c.end is None for c in calls) or span:
        last = max(last, now())        # still running as the test ended: draw them to now
    t1 = end if end is not None else last
    pids = list(dict.fromkeys(c.pid for c in sorted(calls, key=lambda c: c.start)))
    lanes: dict = {}
    for c in sorted(calls, key=lambda c: c.start):
        lanes.setdefault(c.thread_ident, {"name": _lane_name(c, pids), "bars": []})
        state = "open" if c.end is None else "error" if c.error is not None else ""
        lanes[c.thread_ident]["bars"].append(
            [round(c.start - t0, 4), round((c.end if c.end is not None else t1) - t0, 4), state])
    kept, room = [], MAX_BARS
    for lane in list(lanes.values())[:MAX_LANES]:
        lane["bars"] = lane["bars"][:max(1, room)]
        room -= len(lane["bars"])
        kept.append(lane)
    intervals = [(c.start, c.end if c.end is not None else math.inf) for c in calls]
    return {"what": what, "of": "threads", "span": round(max(t1 - t0, 1e-6), 4), "calls": len(calls),
            "peak": tracking.max_overlap(intervals), "lanes": kept,
            "more_lanes": max(0, len(lanes) - MAX_LANES)}


def of_cpu(view) -> dict | None:
    """A row per process of the student's tree from a TreeCpu's samples: your own process
    and each worker process (multiprocessing's helpers left out), a bar where it was on a
    CPU for most of a sampling interval. None if no process computed."""
    began = getattr(view, "began", None)
    if began is None or not view.series:
        return None
    workers = view.workers()
    rows = [(view.session.pid, "your process")] + [
        (pid, "") for pid in sorted(workers, key=lambda p: view.series.get(p, [(0, 0)])[0][0])]
    lanes, intervals, n = [], [], 0
    for pid, name in rows:
        bars = _busy(view.series.get(pid, []), began)
        if not bars:
            continue
        if not name:
            n += 1
            name = f"worker process {n}"
        lanes.append({"name": name, "bars": [[a, b, ""] for a, b in bars][:MAX_BARS]})
        intervals += bars
    if not lanes:
        return None
    span = max(view.wall, max(b for _, b in intervals))
    every = getattr(view, "interval", 0.01) * 1000
    return {"what": f"computing, sampled every {every:.0f} ms", "of": "processes",
            "span": round(max(span, 1e-6), 4), "calls": len(intervals),
            "peak": tracking.max_overlap(intervals), "lanes": lanes[:MAX_LANES],
            "more_lanes": max(0, len(lanes) - MAX_LANES)}


def _busy(samples: list[tuple[float, float]], began: float) -> list[tuple[float, float]]:
    """The stretches, from `began`, in which a process's CPU time grew by at least BUSY of
    the wall time between two samples, neighbours merged."""
    out: list[list[float]] = []
    for (t0, c0), (t1, c1) in zip(samples, samples[1:]):
        if t1 > t0 and (c1 - c0) >= BUSY * (t1 - t0):
            a, b = round(t0 - began, 4), round(t1 - began, 4)
            if out and a - out[-1][1] < 1e-3:
                out[-1][1] = b
            else:
                out.append([a, b])
    return [(a, b) for a, b in out]


def _lane_name(call, pids: list[int]) -> str:
    name = str(call.thread_name or "a thread")[:60]
    if len(pids) > 1:
        name += f" (process {pids.index(call.pid) + 1})"
    return name


# ------------------------------------------------------------------ text

def text(timeline: dict, width: int = 50, scale: float | None = None,
         whose: str = "your") -> list[str]:
    """The timeline as lines: a row per thread, '█'/'▓' a call in flight (the two shades
    take turns, so back-to-back calls show as separate bars), 'x' one that raised,
    '>' one still running when the test ended, '·' the thread not in a call. `scale`:
    the seconds the width stands for (default: the timeline's span; compare draws two
    timelines on one scale); `whose` threads they are ("the" for a comparison)."""
    span = float(timeline["span"]) or 1e-6
    full = max(span, scale or 0.0)
    rows = timeline.get("of") or "threads"
    head = (f"What {whose} {rows} did ({timeline['what']}: {timeline['calls']} over "
            f"{secs(span)}, at most {timeline['peak']} at once), a row per "
            f"{'process' if rows == 'processes' else 'thread'}:")
    out = [head]
    for lane in timeline["lanes"]:
        cells = ["·"] * width
        for i, (a, b, state) in enumerate(lane["bars"]):
            first = min(width - 1, int(a / full * width))
            last = max(first, min(width - 1, math.ceil(b / full * width) - 1))
            glyph = {"error": "x", "open": ">"}.get(state) or (
                "▓" if i % 2 and rows == "threads" else "█")
            for j in range(first, last + 1):
                cells[j] = glyph
        out.append(f"  {clip(lane['name'], NAME_WIDTH).ljust(NAME_WIDTH)} {''.join(cells)}")
    if timeline.get("more_lanes"):
        out.append(f"  (and {timeline['more_lanes']} more thread(s) not drawn)")
    axis = f"0 s{secs(full).rjust(width - 3)}"
    out.append(f"  {' ' * NAME_WIDTH} {axis}")
    if timeline.get("note"):
        out.append(f"  ({timeline['note']})")
    return out


def secs(x: float) -> str:
    """0.2 -> '200 ms', 0.0042 -> '4.2 ms', 1.5 -> '1.50 s': a timeline's span."""
    if x <= 0:
        return "0 s"
    if x >= 1:
        return f"{x:.2f} s"
    return f"{x * 1000:.1f} ms" if x < 0.01 else f"{x * 1000:.0f} ms"
