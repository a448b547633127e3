"""Helpers shared by the visible and hidden tests of assignment 1 (plain functions;
the fixtures are in conftest.py).

Nothing here is secret: it builds inputs (items that pause, handles that sleep or
raise) and reads what happened (every call of handle, on the grader's clock).
"""
from __future__ import annotations

import threading

from autograder.checks import CallTracker, Items, exactly_once, timing
from autograder.checks.hygiene import settled, wait_for
from autograder.grading import procfs, rest

# How long the threads of the student's process must stay unchanged (none started, none
# ended) before a held item is let go, unless the kernel says it is at rest sooner; and
# the most any hold lasts.
QUIET = 0.3
HOLD_LIMIT = 2.0


class Boom(Exception):
    """What a failing handle raises in these tests."""


PAUSE_HANG = (
    "your consumers stop when get(timeout=...) raises Empty, but the producer had only "
    "paused: a slow producer is not a finished one. The items that came after the pause sit "
    "in the queue with nobody left to take them, and join() waits for them forever. The "
    "lesson's sentinel pattern stops the consumers only when the producer says so (lesson "
    "IV, 'Clean shutdown: Use sentinel values (like None) to stop workers'): one sentinel "
    "per consumer, after the last item")


def unreached(handle, n):
    """For guard.call(progress=...): how many of `n` items handle() never saw."""
    missed = n - handle.count
    return f"{missed} of {n} items never reached a consumer" if missed > 0 else ""


class ThreadsOf:
    """() -> the kernel's ids of the threads of the process that runs process_all (read
    here, from /proc): what a consumer that gave up, or a producer that finished, changes.
    `.at_rest()`: the kernel says every one of them is blocked where only the judge can
    wake it (grading/rest.py): nothing is left to wait for."""

    def __init__(self, session) -> None:
        self.session, self.pid = session, session.pid

    def __call__(self) -> frozenset[int]:
        return frozenset(procfs.threads(self.pid))

    def at_rest(self, held: int = 1) -> bool:
        """Nothing left to happen but the `held` calls: the judge quiet but for them,
        the student's threads blocked for good, and nothing crossed meanwhile."""
        before = self.session.quiet_mark(held)
        if before is None or not rest.at_rest(self.pid):
            return False
        return self.session.quiet_mark(held) == before


def threads_of(process_all) -> ThreadsOf:
    return ThreadsOf(process_all.session)


def _settle(threads: ThreadsOf) -> None:
    """Until the threads are unchanged for QUIET s, or at rest (HOLD_LIMIT s at most)."""
    settled(threads, quiet=QUIET, limit=HOLD_LIMIT, until=threads.at_rest)


class LastCallHeld(CallTracker):
    """A CallTracker whose last call (the `n`-th) is held until the rest of process_all has
    visibly finished: every other call ended, then the threads of the student's process
    unchanged for QUIET s (the producer and the other consumers are done), or all of them
    blocked where only the judge can wake them (at rest: nothing is left to happen before
    the answer, so the wait ends at once). A design that
    collects its results before the consumers are done (a drain with `while not
    q.empty()` after joining only the producer, a return without joining the consumers)
    then misses that result every time, not only when the scheduler happens to go that way.
    A correct design just waits for it."""

    hold_note = "the test held the last call until the others were done"

    def __init__(self, func, n, threads):
        super().__init__(func, label="handle() calls")
        self.n, self.threads = n, threads
        self.held = 0.0
        self._started = 0
        self._count_lock = threading.Lock()

    def __call__(self, arg):
        with self._count_lock:
            self._started += 1
            last = self._started == self.n
        return self.track(arg, self._held if last else self.func, arg)

    def _held(self, arg):
        began = timing.now()
        wait_for(lambda: self.in_flight <= 1, timeout=HOLD_LIMIT)
        _settle(self.threads)
        self.held = timing.now() - began
        return self.func(arg)


def _tracker(func, hold):
    """hold: (n, threads) to hold the n-th call (LastCallHeld), or None."""
    return LastCallHeld(func, *hold) if hold else CallTracker(func, label="handle() calls")


def sleeping(delay, result=lambda x: x * 10, hold=None):
    """A handle that waits `delay` s (waiting work: it releases the GIL) then returns.
    hold=(n, threads_of(process_all)): the last of n calls is held (LastCallHeld)."""
    def handle(x):
        timing.sleep(delay)
        return result(x)
    return _tracker(handle, hold)


def raising_for(bad, delay=0.01, result=lambda x: x * 10, hold=None):
    """A handle that raises Boom(x) for x in `bad` (hold: as for `sleeping`)."""
    def handle(x):
        timing.sleep(delay)
        if x in bad:
            raise Boom(x)
        return result(x)
    return _tracker(handle, hold)


class PausingItems(Items):
    """Items whose pause before an index lasts its seconds and then as long as the threads
    of the student's process keep changing (until unchanged for QUIET s or at rest,
    HOLD_LIMIT s at most): a consumer that gives up on a get() timeout during the pause
    has visibly exited before the next item comes, however late a busy machine lets it
    run."""

    def __init__(self, values, pauses, threads):
        super().__init__(values, pauses)
        self.threads = threads

    def __iter__(self):
        for i, value in enumerate(self.values):
            if i in self.pauses:
                timing.sleep(self.pauses[i])
                _settle(self.threads)
            with self._lock:
                self.pulled += 1
            yield value
        self.exhausted = True


class FirstWaveHeld(CallTracker):
    """A CallTracker that holds the first calls until more than `limit` are in flight (too
    many workers, shown) or no new call has started for QUIET s, or at once when the
    student's process is at rest with them held (`threads`: every worker the design has is
    busy; HOLD_LIMIT s at most), then lets every call run. The peak in flight is then what
    the design allows, not what a busy scheduler happened to give."""

    hold_note = ("the test held the first calls until no new one started for a moment, to "
                 "see how many run at once")

    def __init__(self, func, limit, threads: ThreadsOf | None = None):
        super().__init__(func, label="handle() calls")
        self.limit, self.threads = limit, threads
        self._open = threading.Event()
        self._looking = threading.Lock()     # one held call looks at the kernel at a time
        self._first = self._latest = None

    def __call__(self, arg):
        return self.track(arg, self._gated, arg)

    def _gated(self, arg):
        if not self._open.is_set():
            self._latest = timing.now()
            self._first = self._first or self._latest
            while not self._open.is_set():
                t = timing.now()
                if (self.in_flight > self.limit or t - self._latest >= QUIET
                        or t - self._first >= HOLD_LIMIT or self._at_rest()):
                    self._open.set()
                else:
                    timing.sleep(0.01)
        return self.func(arg)

    def _at_rest(self) -> bool:
        if self.threads is None or not self._looking.acquire(blocking=False):
            return False
        try:
            return self.threads.at_rest(held=self.in_flight)
        finally:
            self._looking.release()


def waiting_wave(delay, limit, threads: ThreadsOf | None = None):
    """A handle that waits `delay` s, its first calls held by FirstWaveHeld(limit)."""
    def handle(x):
        timing.sleep(delay)
        return x * 10
    return FirstWaveHeld(handle, limit, threads)


def check_did_the_work(feedback, result, values, handle, what):
    """The points of a hygiene test (bounded, nothing left behind) go to a call that did its
    work: handle() called once for every item and a dict returned. Doing nothing starts no
    thread, so it can leave none behind, but that earns nothing."""
    ledger = exactly_once(values, handle.args)
    if isinstance(result, dict) and ledger.ok:
        return
    got = (f"it returned a {type(result).__name__}" if not isinstance(result, dict)
           else f"handle() was called {handle.count} times for {len(values)} items")
    feedback.fail(f"{what} is only judged on a call that does the work, and this one did not.",
                  measured=f"{got}: {ledger.text()}",
                  expected=f"handle() called once for each of the {len(values)} items and a "
                           f"dict returned",
                  cause="the points of this test are for doing the work cleanly: make the "
                        "items reach the consumers first (the other tests say why they did not)")


def producer_lead(process_all, n_items, num_workers, queue_size):
    """How far ahead the producer runs while every consumer is stuck in handle().

    Every handle() call blocks on a gate; we watch how many items are taken from the
    input until the count stops growing (0.25 s without change, or the student's process
    at rest with the calls blocked; 3 s at most), then open the gate. Returns (items
    taken while blocked, whether process_all returned after, how many items handle() saw
    by then: a function that never reads its input is not "bounded", it does nothing).
    """
    items = Items(range(n_items))
    gate = threading.Event()
    handle = CallTracker(lambda x: (gate.wait(5), x * 10)[1], label="handle() calls")
    caller = threading.Thread(target=process_all, args=(items, handle, num_workers, queue_size),
                              name="ck-backpressure-caller", daemon=True)
    caller._ck_internal = True
    caller.start()
    threads = threads_of(process_all)
    ahead = settled(lambda: items.pulled, quiet=0.25, limit=3,
                    until=lambda: threads.at_rest(held=handle.in_flight))
    gate.set()
    caller.join(5)
    return ahead, not caller.is_alive(), handle.count


def check_results(feedback, result, values, handle, *, expect=lambda x: x * 10):
    """Every index present, mapped to handle(values[index]); handle called once per item."""
    n = len(values)
    if not isinstance(result, dict):
        feedback.fail("process_all() must return a dict {index: result}.",
                      measured=f"it returned {type(result).__name__}: {result!r:.120}",
                      expected=f"a dict with keys 0..{n - 1}")
    feedback.measure("results returned", len(result), expected=n)
    feedback.measure("calls to handle", handle.count, expected=n)
    if getattr(handle, "held", 0):
        feedback.measure("the last handle() call held until your other threads were done "
                         "(so a result collected too early is missed every time)",
                         f"{handle.held:.2f} s")
    ledger = exactly_once(values, handle.args)
    missing = sorted(set(range(n)) - set(result), key=int)
    extra = sorted((k for k in result if k not in range(n)), key=repr)
    if not ledger.ok or missing:
        lost = len(missing)
        if not missing:
            headline = f"Every index got a result, but {ledger.text()}."
        elif ledger.ok:
            headline = (f"{lost} of {n} items never got a result, although handle() was "
                        f"called once for every item.")
        else:
            headline = f"{lost} of {n} items never got a result; {ledger.text()}."
        feedback.fail(
            headline,
            measured=f"indexes with no result: {missing[:10]}{' ...' if lost > 10 else ''}; "
                     f"handle called {handle.count} times",
            expected=f"handle called exactly once per item ({n} calls) and a result for every "
                     f"index 0..{n - 1}",
            cause=_loss_cause(ledger, missing, values))
    if extra:
        feedback.fail("process_all() returned keys that are not input indexes.",
                      measured=f"unexpected keys: {extra[:8]}{' ...' if len(extra) > 8 else ''}",
                      expected=f"keys exactly 0..{n - 1} (the position of each item in `items`)",
                      cause="results keyed by the item itself, or by a counter, instead of its index")
    wrong = [i for i in range(n) if not isinstance(result[i], BaseException)
             and result[i] != expect(values[i])]
    if wrong:
        i = wrong[0]
        feedback.fail(f"{len(wrong)} result(s) sit under the wrong index.",
                      measured=f"result[{i}] = {result[i]!r}",
                      expected=f"result[{i}] = handle(items[{i}]) = {expect(values[i])!r}",
                      cause="results paired with the wrong index: carry (index, item) through the "
                            "queue together and store handle's return under that index")


def _loss_cause(ledger, missing, values):
    if ledger.repeated:
        return ("some items were handled twice: each item must be taken from the queue by "
                "exactly one consumer")
    if any(values[i] is None for i in missing if i < len(values)):
        return ("an item that is None was taken for the stop signal: if None can be an item, "
                "it cannot also be the sentinel (use a unique object()). The lesson's 'Use "
                "sentinel values (like None) to stop workers' (IV) assumes None is never an item")
    if ledger.lost and len(set(values)) < len(values):
        return ("duplicate items were handled once: results must be tracked per position "
                "(index), not per item value")
    return ("consumers stopped before the producer was done (a get() timeout taken to mean "
            "'no more work'), or results still in flight were not collected (draining with "
            "`while not q.empty()` before the consumers finished). Lesson IV, 'Clean shutdown: "
            "Use sentinel values (like None) to stop workers': stop them when the producer "
            "says so, join them, then collect")

