"""Helpers shared by the visible and hidden tests of assignment 6 (plain functions; the
fixture is in conftest.py). Ideas from assignment 1's consumer_support, copied here.

The stages the tests build are CallTrackers: every call is logged (thread, start, end on
the grader's clock). What a stage returns is a token the student's code cannot read or
predict: "out-" and eight letters drawn from a key made afresh for every test. The
grader alone knows which item and which stage a token stands for (`Stages.tokens`), so
an output tells nothing of the order the items came in, and an exception a stage raises
(Boom) says nothing either: its text is a token too. The key is drawn again until item
1's token sorts before items 0 and 2 at every stage, so outputs sorted by their text,
either way, are never in input order.

Where a verdict hangs on an interleaving, the stages force it instead of hoping for it:
a call can wait (2 s at most) for another stage's call to start or end (`waits`), and
the first calls of a stage can wait for one another until as many are in flight as the
stage has workers (`crowds`). Latencies that vary come from a seeded table
(`shuffled_delays`): the same in every grading, in no order a wrong design could follow.
"""
from __future__ import annotations

import hashlib
import os
import random
import threading
from collections import Counter

from autograder.checks import CallTracker, Items, clip, exactly_once, timing
from autograder.checks.hygiene import settled

WAIT_LIMIT = 2.0                # how long a stage call waits for what it waits for

class Boom(Exception):
    """What a failing stage raises in these tests: Boom(stage, item), shown as a token."""

    def __init__(self, stage, item, label="boom"):
        super().__init__(stage, item)
        self.label = label

    def __str__(self) -> str:
        return self.label


MADE: dict[str, tuple] = {}     # every token this grading made: (stage, item), for messages
LAST = [0]                      # the last stage of the test now running


class Tokens:
    """One test's outputs: token(k, item) -> 'out-xxxxxxxx', and back."""

    def __init__(self, count: int = 1) -> None:
        self.back: dict[str, tuple] = {}
        self._lock = threading.Lock()
        while True:  # about 3**count draws: item 1 sorts first among 0, 1, 2 at every stage
            self.key = os.urandom(16)
            if all(self._text(k, 1, "out") < min(self._text(k, 0, "out"), self._text(k, 2, "out"))
                   for k in range(count)):
                break

    def _text(self, k, item, kind) -> str:
        digest = hashlib.blake2b(f"{kind}:{k}:{item!r}".encode(), key=self.key,
                                 digest_size=8).digest()
        return f"{kind}-" + "".join(chr(97 + b % 26) for b in digest)

    def token(self, k, item, kind="out") -> str:
        text = self._text(k, item, kind)
        with self._lock:
            self.back[text] = (k, item)
            MADE[text] = (k, item)
        return text

    def item_of(self, k, x):
        """Which item a stage-k call was given x for (stage 0: the item itself)."""
        if k == 0:
            return x
        found = self.back.get(x) if isinstance(x, str) else None
        return found[1] if found is not None else x


class Happened:
    """What the stage calls did so far, ("start", k) and ("end", k, item), for calls that
    wait for one another. A wait that runs out is noted in `missed`."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._seen: set[tuple] = set()
        self.missed: list[tuple] = []

    def mark(self, *event) -> None:
        with self._cond:
            self._seen.add(event)
            self._cond.notify_all()

    def wait(self, event: tuple, timeout: float = WAIT_LIMIT) -> bool:
        with self._cond:
            ok = self._cond.wait_for(lambda: event in self._seen, timeout)
            if not ok:
                self.missed.append(event)
            return ok


class Crowd:
    """The first calls of a stage wait for one another until `size` are in at once (or
    `timeout` runs out); then the gate stays open. A stage with `size` workers reaches
    `size` calls in flight however slowly the machine starts them; one with more workers
    shows more, since the held calls are still in flight when the extra one comes."""

    def __init__(self, size: int, timeout: float = WAIT_LIMIT) -> None:
        self.size, self.timeout = size, timeout
        self.inside = 0
        self.open = False
        self.formed = False
        self._cond = threading.Condition()

    def enter(self) -> None:
        with self._cond:
            if self.open:
                return
            self.inside += 1
            if self.inside >= self.size:
                self.open = self.formed = True
            elif not self._cond.wait_for(lambda: self.open, self.timeout):
                self.open = True      # fewer came: let everyone go, the peak tells
            self._cond.notify_all()


class Stages(list):
    """The stages of one test, the tokens that make their outputs, and what they did."""

    tokens: Tokens
    happened: Happened
    crowds: list


def shuffled_delays(seed, count, n, choices=(0.004, 0.008, 0.015, 0.025, 0.04)):
    """{(stage, item): seconds}, drawn from a seeded generator: the same every grading."""
    rng = random.Random(seed)
    return {(k, i): rng.choice(choices) for k in range(count) for i in range(n)}


def make_stages(count, delay=0.01, fail=None, waits=None, crowds=None, wait_limit=WAIT_LIMIT):
    """`count` tracked stages. delay: seconds, delay(k, item) -> seconds, or a table
    {(k, item): seconds} (5 ms where it has none).
    fail: {stage: {items}} for which that stage raises Boom(stage, item).
    waits: {(k, item): event}: that call first waits for the event (Happened), at most
    wait_limit s. crowds: one size per stage (or None): the stage's first calls wait for
    that many to be in flight at once (Crowd)."""
    fail = fail or {}
    waits = waits or {}
    tokens = Tokens(count)
    happened = Happened()
    gates = [Crowd(c) if c else None for c in (crowds or [None] * count)]

    def pause(k, item):
        if isinstance(delay, dict):
            return delay.get((k, item), 0.005)
        return delay(k, item) if callable(delay) else delay

    def build(k):
        def stage(x):
            item = tokens.item_of(k, x)
            happened.mark("start", k)
            try:
                if (k, item) in waits:
                    happened.wait(waits[k, item], wait_limit)
                if gates[k] is not None:
                    gates[k].enter()
                timing.sleep(pause(k, item))
                if item in fail.get(k, ()):
                    raise Boom(k, item, tokens.token(k, item, "boom"))
                return tokens.token(k, item)
            finally:
                happened.mark("end", k, item)
        stage.__name__ = f"stage{k}"
        return CallTracker(stage, label="stage calls")
    stages = Stages(build(k) for k in range(count))
    stages.tokens, stages.happened, stages.crowds = tokens, happened, gates
    LAST[0] = count - 1
    return stages


def expected(stages, n, fail=None):
    """What each item's output should be: ('value', token) or ('raised', stage, item)."""
    fail = fail or {}
    count = len(stages)
    out = []
    for i in range(n):
        failed = next((k for k in range(count) if i in fail.get(k, ())), None)
        out.append(("raised", failed, i) if failed is not None
                   else ("value", stages.tokens.token(count - 1, i)))
    return out


def key(output):
    if isinstance(output, Boom) and len(output.args) == 2:
        return ("raised",) + tuple(output.args)
    if isinstance(output, BaseException):
        return ("raised", type(output).__name__, str(output))
    return ("value", output)


def show(k, *, short: bool = False):
    """An output in words: the item whose output it is (the grader reads the token), the
    exception raised for it, or what the student's code put there instead."""
    if k[0] == "value":
        made = MADE.get(k[1]) if isinstance(k[1], str) else None
        if made is not None:
            stage, item = made
            if short:
                return str(item)
            return f"item {item}'s output" + (f" (of stage {stage} only)" if stage != LAST[0]
                                               else "")
        return repr(k[1])
    if len(k) == 3 and isinstance(k[1], int):
        return f"Boom(stage {k[1]}, item {k[2]})"
    return f"{k[1]}({k[2]})"


def check_outputs(feedback, result, want, *, order=True):
    """One output per item, each the right value or exception object. In input order
    where `order` (test_order_restored owns the order, so one bug costs once)."""
    n = len(want)
    if not isinstance(result, list):
        feedback.fail("run_pipeline() must return a list.",
                      measured=f"{type(result).__name__}: {result!r:.120}",
                      expected=f"a list of {n} outputs in input order",
                      cause="the results collected into another container (a dict, a queue)")
    got = [key(r) for r in result]
    feedback.measure("outputs returned", len(result), expected=n)
    if sorted(map(repr, got)) != sorted(map(repr, want)):
        lost = exactly_once([repr(w) for w in want], [repr(g) for g in got])
        raised_wrong = any(w[0] == "raised" for w in want)
        feedback.fail(f"run_pipeline() returned {len(result)} outputs that do not match the "
                      f"{n} expected: {lost.text('output')}.",
                      measured="outputs of items " + ", ".join(show(g, short=True) for g in got[:12])
                               + (" ..." if n > 12 else ""),
                      expected="outputs of items " + ", ".join(show(w, short=True)
                                                               for w in want[:12])
                               + (" ..." if n > 12 else ""),
                      cause=("a stage that raised must leave the exception object itself as "
                             "that item's output (catch it in the worker, send it to the "
                             "results, skip the later stages) and the worker goes on"
                             if raised_wrong else
                             "items lost between stages: workers that stop on a get() timeout "
                             "or on a None item, or results read before every worker finished"))
    if order and got != want:
        first = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
        errors_moved = "raised" in (got[first][0], want[first][0])
        feedback.fail("The outputs are not in the order of the input.",
                      measured=f"position {first} holds {show(got[first])}",
                      expected=f"position {first} holds {show(want[first])} (input order)",
                      cause=("an exception is its item's output and goes in that item's place, "
                             "like any other output: store it at the item's index (not in a "
                             "list of errors of its own, not at the end), so the items after "
                             "a failing one keep their places"
                             if errors_moved else
                             "outputs collected in the order the last stage finished them "
                             "(or sorted by value: the values say nothing of the order). "
                             "Carry (index, value) through every queue and put each output "
                             "back at its index"))


def check_worked(feedback, result, stages, n, *, what, raised=None):
    """No points for hygiene without the work: before a test judges how the pipeline
    stopped, it must have returned one output per item, every item through stage 0."""
    if raised is not None:
        first_line = clip((str(raised).splitlines() or [""])[0], 150)
        feedback.fail(f"{what} only counts once the pipeline has done its work, and it did "
                      f"not: run_pipeline() did not return its outputs.",
                      measured=f"{type(raised).__name__}: {first_line}",
                      expected=f"a list of {n} outputs, an exception object for each item "
                               f"a stage raised for",
                      cause="a stage's exception escaped the worker (catch it around the stage "
                            "call: it is that item's output), or the pipeline hung")
    got = len(result) if isinstance(result, list) else None
    items = [stages.tokens.item_of(0, c.arg) for c in stages[0].calls]
    ledger = exactly_once(range(n), items)
    feedback.measure("outputs returned", got, expected=n)
    if got != n or not ledger.ok:
        feedback.fail(f"{what} only counts once the pipeline has done its work, and it did not: "
                      f"run_pipeline() returned "
                      + (f"{got} outputs" if got is not None else f"a {type(result).__name__}")
                      + f" for {n} items.",
                      measured=f"{got} outputs; stage 0 called {stages[0].count} times"
                               + (" (every item once)" if ledger.ok else f": {ledger.text()}"),
                      expected=f"{n} outputs, every item through stage 0 once",
                      cause="items lost between stages: workers that stop early (a get() "
                            "timeout, a stop signal sent before the whole stage had finished, "
                            "None taken for the stop signal, a stage's exception that killed "
                            "the worker), or results read before every worker finished")


def check_calls(feedback, stages, n, fail=None):
    """Every item reaches every stage exactly once, stage after stage, and never a stage
    after the one that raised for it."""
    fail = fail or {}
    gone = set()
    ends = {}
    item_of = stages.tokens.item_of
    for k, tracker in enumerate(stages):
        reaching = [i for i in range(n) if i not in gone]
        items = [item_of(k, c.arg) for c in tracker.calls]
        feedback.measure(f"calls to stage {k}", tracker.count, expected=len(reaching))
        ledger = exactly_once(reaching, items)
        if not ledger.ok:
            past = [i for i in ledger.unexpected
                    if isinstance(i, BaseException) or i in gone]
            feedback.fail(f"Stage {k} was not called exactly once per item that reached it: "
                          f"{ledger.text()}.",
                          measured=f"{tracker.count} calls to stage {k}",
                          expected=f"{len(reaching)} calls, one per item not failed earlier",
                          cause=("a stage was called for an item whose earlier stage raised: "
                                 "the exception is that item's output, it skips the stages left"
                                 if past else
                                 "items lost or repeated between stages: a worker that stops "
                                 "early (a get() timeout, None taken for the stop signal) or "
                                 "an item put on two queues"))
        for c in tracker.calls:
            i = item_of(k, c.arg)
            if not isinstance(i, int):
                continue
            if k and c.start < ends.get(i, float("inf")) - 1e-6:
                feedback.fail(f"Stage {k} started on item {i} before stage {k - 1} had finished it.",
                              measured=f"stage {k} started {1000 * (ends[i] - c.start):.1f} ms early",
                              expected=f"stage {k} gets an item only from stage {k - 1}'s output",
                              cause="stage k must take its input from the queue stage k-1 writes to")
        ends = {item_of(k, c.arg): c.end for c in tracker.calls
                if isinstance(item_of(k, c.arg), int)}
        gone |= fail.get(k, set())


def producer_lead(run_pipeline, n_items, workers, queue_size, stages=3):
    """How far ahead the input is read while every stage-0 worker is stuck.

    Every stage-0 call blocks on a gate; we watch how many items are taken from the
    input until the count stops growing (0.2 s without change, 3 s at most), then open
    the gate. Returns (items taken while blocked, whether run_pipeline returned after,
    what it returned, the stages)."""
    items = Items(range(n_items))
    gate = threading.Event()
    first = CallTracker(lambda x: (gate.wait(5), x)[1], label="stage calls")
    rest = [CallTracker(lambda x: x, label="stage calls") for _ in range(stages - 1)]
    returned = []

    def call():
        returned.append(run_pipeline(items, [first] + rest, workers, queue_size))
    caller = threading.Thread(target=call, name="ck-backpressure-caller", daemon=True)
    caller._ck_internal = True
    caller.start()
    ahead = settled(lambda: items.pulled, quiet=0.2, limit=3)
    gate.set()
    caller.join(4)
    return ahead, not caller.is_alive(), (returned or [None])[0], [first] + rest


def same_items(result, n) -> bool:
    """Whether `result` holds 0 .. n-1 once each, in any order (identity stages)."""
    return (isinstance(result, list) and all(type(r) is int for r in result)
            and Counter(result) == Counter(range(n)))
