"""Assignment 1, hidden tests: the same behaviours with other sizes, timings and inputs.

Never shipped to students; `make grade` runs them, `make check` does not.
"""
from __future__ import annotations

import pytest
from consumer_support import (PAUSE_HANG, Boom, PausingItems, check_did_the_work, check_results,
                              producer_lead, raising_for, sleeping, threads_of, unreached,
                              waiting_wave)

from autograder.checks import CallTracker, timing

pytestmark = pytest.mark.visibility("after_published")


@pytest.mark.points(2)
def test_duplicate_items_each_handled(process_all, guard, feedback):
    """duplicate items are each handled, and mapped by their own index"""
    values = [5, 5, 5, 1, 1, 7, 5, 1, 9, 9]
    handle = sleeping(0.01, hold=(len(values), threads_of(process_all)))
    result = guard.call(process_all, values, handle, num_workers=3, queue_size=4, deadline=4)
    check_results(feedback, result, values, handle)


@pytest.mark.points(2)
def test_none_and_falsy_items(process_all, guard, feedback):
    """items that are None, 0, '' or False are ordinary items"""
    values = [1, None, 0, "", False, None, 3, None]
    handle = sleeping(0.005, result=lambda x: ("done", x),
                      hold=(len(values), threads_of(process_all)))
    result = guard.call(process_all, values, handle, num_workers=2, queue_size=3, deadline=4,
                        what="process_all() with None among the items",
                        hang_cause="an item that is None was taken for the stop signal, so a "
                                   "consumer quit early and the rest of the work was never done: "
                                   "if None can be an item it cannot be the sentinel; use a "
                                   "unique object()")
    check_results(feedback, result, values, handle, expect=lambda x: ("done", x))


@pytest.mark.points(2)
def test_long_pause_other_sizes(process_all, guard, feedback):
    """a producer pausing 1.25 s, with 4 workers and a queue of 2, loses nothing"""
    values = list(range(11))
    threads = threads_of(process_all)
    items = PausingItems(values, {3: 0.05, 6: 1.25}, threads)
    handle = sleeping(0.02, hold=(len(values), threads))
    result = guard.call(process_all, items, handle, num_workers=4, queue_size=2, deadline=6.5,
                        what="process_all() with a producer that pauses 1.25 s",
                        hang_cause=PAUSE_HANG, progress=lambda: unreached(handle, len(values)))
    feedback.measure("items pulled from the input", items.pulled, expected=len(values))
    check_results(feedback, result, values, handle)


@pytest.mark.points(1)
def test_every_handle_raises(process_all, guard, feedback):
    """when handle raises for every item, every exception is recorded"""
    values = list(range(7))
    handle = raising_for(set(values), hold=(len(values), threads_of(process_all)))
    result = guard.call(process_all, values, handle, num_workers=3, queue_size=2, deadline=4,
                        what="process_all() with a handle that always raises")
    check_results(feedback, result, values, handle)
    bad = [i for i in values if not (isinstance(result[i], Boom) and result[i].args == (i,))]
    feedback.check(not bad, f"{len(bad)} of 7 results are not the exception handle raised.",
                   measured=f"result[{bad[0] if bad else 0}] = {result.get(bad[0]) if bad else None!r}",
                   expected="Boom(i) for every index i",
                   cause="exceptions swallowed or replaced by None")


@pytest.mark.points(1)
@pytest.mark.parametrize("workers", [1, 5])
def test_workers_bounded_other_sizes(process_all, guard, feedback, workers):
    """num_workers is respected and fully used for other worker counts"""
    values = list(range(4 * workers + 3))
    handle = waiting_wave(0.04, limit=workers, threads=threads_of(process_all))
    result = guard.call(process_all, values, handle, num_workers=workers, queue_size=3, deadline=4)
    check_did_the_work(feedback, result, values, handle, "How many workers ran at once")
    feedback.measure("most handle() calls in flight at once", handle.peak, expected=workers)
    feedback.measure("distinct threads that called handle()", handle.thread_count, expected=workers)
    feedback.check(handle.peak <= workers,
                   f"{handle.peak} calls to handle() ran at once with num_workers={workers}.",
                   measured=f"peak {handle.peak}", expected=f"at most {workers}",
                   cause="more consumer threads than num_workers")
    feedback.check(handle.peak == workers,
                   f"With num_workers={workers} and a handle that waits, only {handle.peak} ran at once.",
                   measured=f"peak {handle.peak} in flight", expected=f"{workers} at once",
                   cause="fewer consumers than num_workers, or handle called under a lock")


@pytest.mark.points(1)
def test_backpressure_queue_of_one(process_all, guard, feedback):
    """with queue_size=1 and 3 workers the producer stays at most about 5 items ahead"""
    ahead, returned, handled = producer_lead(process_all, 30, num_workers=3, queue_size=1)
    limit = 1 + 3 + 2
    feedback.measure("items taken while all consumers were blocked", ahead, expected=f"<= {limit}")
    feedback.check(returned, "process_all() did not return after the consumers were released.",
                   where=guard.where())
    feedback.check(handled == 30, f"handle() was called {handled} times for 30 items.",
                   measured=f"{handled} calls", expected="30 calls, one per item",
                   cause="items never reached a consumer")
    feedback.check(ahead <= limit, f"The producer pulled {ahead} of 30 items while every consumer was stuck.",
                   measured=f"{ahead}", expected=f"at most {limit}",
                   cause="the queue is not bounded by queue_size (no backpressure)")


@pytest.mark.points(2)
@pytest.mark.timing
def test_speedup_over_sequential(process_all, feedback):
    """waiting work overlaps: 4 workers beat a plain loop, measured side by side"""
    values = list(range(8))
    delay = 0.025

    def handle(x):
        timing.sleep(delay)
        return x * 10

    def sequential():
        return {i: handle(x) for i, x in enumerate(values)}

    trackers = []

    outputs = []

    def theirs():
        t = CallTracker(handle, label="handle() calls")
        trackers.append(t)
        outputs.append(process_all(values, t, num_workers=4, queue_size=4))

    cmp, verdict = timing.measure_speedup(theirs, sequential, workers=4,
                                          candidate_name="process_all, 4 workers",
                                          baseline_name="sequential loop")
    # Speed counts only for calls that do the work: every item, every round.
    for t, out in zip(trackers, outputs):
        check_did_the_work(feedback, out, values, t, "Speed")
    peak = max(t.peak for t in trackers)
    feedback.measure(f"speedup over the sequential loop ({verdict.rounds} interleaved rounds)",
                     f"{verdict.measured:.2f}x", expected=f">= {verdict.required:.2f}x")
    feedback.flag(verdict.flag)
    feedback.measure("most handle() calls in flight", peak, expected=4)
    feedback.note(cmp.text())
    if peak < 4:
        feedback.fail(f"Only {peak} of 4 workers were waiting at the same time.",
                      measured=f"peak {peak} in flight, speedup {verdict.measured:.2f}x",
                      expected="4 calls of handle() in flight at once",
                      cause="consumers take turns (a lock around handle, or fewer threads)")
    feedback.check(verdict.passed is not False, "Waiting work did not overlap enough.",
                   measured=f"{verdict.measured:.2f}x", expected=f">= {verdict.required:.2f}x",
                   cause="the run is dominated by something other than the work: an idle "
                         "get() timeout at the end, or sleeping/polling between items")


@pytest.mark.points(1)
def test_any_iterable(process_all, guard, feedback):
    """items may be any iterable (a generator, a map object): no len(), no indexing"""
    values = list(range(9))
    threads = threads_of(process_all)
    handle = sleeping(0.005, hold=(len(values), threads))
    result = guard.call(process_all, (v for v in values), handle, num_workers=2, queue_size=3,
                        deadline=4, what="process_all() given a generator")
    check_results(feedback, result, values, handle)
    handle = sleeping(0.005, hold=(len(values), threads))
    result = guard.call(process_all, map(int, values), handle, num_workers=2, queue_size=3,
                        deadline=3, what="process_all() given a map object")
    feedback.check(sorted(result) == values, "process_all() lost items of a map object.",
                   measured=f"keys {sorted(result)}", expected=f"keys {values}")


@pytest.mark.points(1)
def test_no_thread_left_after_errors(process_all, guard, feedback):
    """no thread is left behind when handle raises"""
    values = list(range(8))
    handle = raising_for({0, 3, 5})
    result = guard.call(process_all, values, handle, num_workers=3, queue_size=2, deadline=3,
                        what="process_all() with a raising handle")
    check_did_the_work(feedback, result, values, handle, "Leaving no thread behind")
    guard.check_no_leaks(expected="every thread finished before process_all() returns",
                         cause="a consumer that died or was left blocked in get()")
