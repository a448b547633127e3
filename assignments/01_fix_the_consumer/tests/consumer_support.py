"""Helpers shared by the visible and hidden tests of assignment 1 (plain functions;
the fixtures are in conftest.py).

Nothing here is secret: it builds inputs (items that pause, handles that sleep or
raise) and reads what happened (every call of handle, on the grader's clock).
"""
from __future__ import annotations

import threading


from autograder.checks import CallTracker, Items, exactly_once, timing
from autograder.checks.hygiene import settled


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


def sleeping(delay, result=lambda x: x * 10):
    """A handle that waits `delay` s (waiting work: it releases the GIL) then returns."""
    def handle(x):
        timing.sleep(delay)
        return result(x)
    return CallTracker(handle)


def raising_for(bad, delay=0.01, result=lambda x: x * 10):
    """A handle that raises Boom(x) for x in `bad`."""
    def handle(x):
        timing.sleep(delay)
        if x in bad:
            raise Boom(x)
        return result(x)
    return CallTracker(handle)


def producer_lead(process_all, n_items, num_workers, queue_size):
    """How far ahead the producer runs while every consumer is stuck in handle().

    Every handle() call blocks on a gate; we watch how many items are taken from the
    input until the count stops growing (0.25 s without change, 3 s at most), then open
    the gate. Returns (items taken while blocked, whether process_all returned after,
    how many items handle() saw by then: a function that never reads its input is not
    "bounded", it does nothing).
    """
    items = Items(range(n_items))
    gate = threading.Event()
    handle = CallTracker(lambda x: (gate.wait(5), x * 10)[1])
    caller = threading.Thread(target=process_all, args=(items, handle, num_workers, queue_size),
                              name="ck-backpressure-caller", daemon=True)
    caller._ck_internal = True
    caller.start()
    ahead = settled(lambda: items.pulled, quiet=0.25, limit=3)
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
                      measured=f"unexpected keys: {extra[:8]}",
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

