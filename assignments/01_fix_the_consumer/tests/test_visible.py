"""Assignment 1, visible tests: what `make check ASSIGNMENT=1` runs.

The hidden tests check the same behaviours with other sizes and timings.
"""
from __future__ import annotations

import pytest
from consumer_support import (PAUSE_HANG, Boom, PausingItems, check_did_the_work, check_results,
                              producer_lead, raising_for, sleeping, threads_of, unreached,
                              waiting_wave)

from autograder.checks import clip


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_every_item_handled_once(process_all, guard, feedback):
    """every item is handled exactly once and its result stored under its index"""
    values = list(range(20))
    handle = sleeping(0.01, hold=(len(values), threads_of(process_all)))
    result = guard.call(process_all, values, handle, num_workers=3, queue_size=5, deadline=4)
    check_results(feedback, result, values, handle)


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
def test_empty_input(process_all, guard, feedback):
    """empty input returns {} at once"""
    handle = sleeping(0.01)
    result = guard.call(process_all, [], handle, deadline=3)
    feedback.measure("returned after", f"{guard.elapsed:.3f} s")
    feedback.check(result == {}, "process_all([], handle) must return an empty dict.",
                   measured=clip(repr(result), 100), expected="{}")
    feedback.check(guard.elapsed < 0.5, "process_all([], handle) took too long to return.",
                   measured=f"{guard.elapsed:.2f} s", expected="well under 0.5 s",
                   cause="the consumers wait out a get(timeout=...) before they stop, even "
                         "when there is nothing to do: with one sentinel per consumer they stop "
                         "as soon as the producer says it is done")
    left = guard.leaks(grace=0.1).processes
    feedback.check(not left, f"process_all([], handle) left {len(left)} process(es) running.",
                   measured=f"{len(left)} child process(es) alive after it returned",
                   expected="nothing to do, so nothing started and nothing left behind",
                   cause="processes started (and never waited for) although there was no item: "
                         "consumers are threads, and they all finish before process_all returns")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_raising_handle_is_recorded(process_all, guard, feedback):
    """a handle that raises is recorded as that item's result, and nothing hangs"""
    values = list(range(10))
    handle = raising_for({1, 4, 7}, hold=(len(values), threads_of(process_all)))
    result = guard.call(process_all, values, handle, num_workers=3, queue_size=5, deadline=4,
                        what="process_all() with a handle that raises for 3 of 10 items")
    check_results(feedback, result, values, handle)
    for i in (1, 4, 7):
        got = result[i]
        feedback.check(isinstance(got, Boom) and got.args == (i,),
                       f"result[{i}] should be the exception handle raised for item {i}.",
                       measured=repr(got), expected=f"Boom({i}) (the exception object itself)",
                       cause="the exception was swallowed or replaced: catch it in the consumer "
                             "and store it as that index's result")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_pausing_producer_loses_nothing(process_all, guard, feedback):
    """items that arrive after a pause of 1.1 s are not lost"""
    values = list(range(8))
    threads = threads_of(process_all)
    items = PausingItems(values, {4: 1.1}, threads)
    handle = sleeping(0.01, hold=(len(values), threads))
    result = guard.call(process_all, items, handle, num_workers=3, queue_size=5, deadline=6,
                        what="process_all() with a producer that pauses 1.1 s",
                        hang_cause=PAUSE_HANG, progress=lambda: unreached(handle, len(values)))
    feedback.measure("items pulled from the input", items.pulled, expected=len(values))
    check_results(feedback, result, values, handle)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_returns_promptly(process_all, guard, feedback):
    """returns as soon as the last item is done (no idle timeout at the end)"""
    values = list(range(12))
    handle = sleeping(0.03)
    result = guard.call(process_all, values, handle, num_workers=3, queue_size=5, deadline=3)
    check_did_the_work(feedback, result, values, handle, "Returning promptly")
    tail = guard.returned_at - handle.last_end
    work = handle.last_end - guard.started_at
    feedback.measure("time from the last handle() finishing to process_all() returning",
                     f"{tail:.3f} s", expected="< 0.3 s")
    feedback.measure("time spent on the work itself", f"{work:.3f} s")
    feedback.check(tail < 0.3,
                   f"process_all() returned {tail:.2f} s after the last item was done.",
                   measured=f"{tail:.2f} s idle after the work ended",
                   expected="under 0.3 s: consumers stop as soon as the producer says it is done",
                   cause="consumers stop only when get(timeout=...) gives up, so every run ends "
                         "with a full timeout of nobody working. Let the producer tell them "
                         "(one sentinel per consumer).")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_workers_bounded_and_all_used(process_all, guard, feedback):
    """at most num_workers calls at once, and all of them busy when handle waits"""
    values = list(range(12))
    handle = waiting_wave(0.05, limit=3, threads=threads_of(process_all))
    result = guard.call(process_all, values, handle, num_workers=3, queue_size=5, deadline=4)
    check_did_the_work(feedback, result, values, handle, "How many workers ran at once")
    feedback.measure("most handle() calls in flight at once", handle.peak, expected=3)
    feedback.measure("distinct threads that called handle()", handle.thread_count, expected=3)
    feedback.check(handle.peak <= 3, f"{handle.peak} calls to handle() ran at once with num_workers=3.",
                   measured=f"peak {handle.peak} in flight", expected="at most 3",
                   cause="more consumer threads than num_workers (a thread per item?)")
    feedback.check(handle.peak == 3 and handle.thread_count == 3,
                   "With a handle that waits 0.05 s, all 3 workers should be busy at once.",
                   measured=f"peak {handle.peak} in flight, {handle.thread_count} distinct threads",
                   expected="3 in flight at once, from 3 threads",
                   cause="fewer consumers than num_workers, or consumers that hold a lock while "
                         "calling handle, so they take turns")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_backpressure(process_all, guard, feedback):
    """the producer stays at most about queue_size + num_workers items ahead"""
    ahead, returned, handled = producer_lead(process_all, 40, num_workers=2, queue_size=3)
    limit = 3 + 2 + 2
    feedback.measure("items taken from the input while both consumers were blocked", ahead,
                     expected=f"<= {limit} (queue_size 3 + num_workers 2 + one in the "
                              f"producer's hand, +1 slack)")
    feedback.check(returned, "process_all() did not return after the consumers were released.",
                   where=guard.where())
    feedback.check(handled == 40, f"handle() was called {handled} times for 40 items.",
                   measured=f"{handled} calls", expected="40 calls, one per item",
                   cause="items never reached a consumer")
    feedback.check(ahead <= limit,
                   f"The producer pulled {ahead} of 40 items while both consumers were stuck.",
                   measured=f"{ahead} items taken from the input", expected=f"at most {limit}",
                   cause="the queue is not bounded: Queue(maxsize=queue_size) makes put() block "
                         "when consumers fall behind (backpressure), so a slow kitchen cannot be "
                         "buried in orders")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_no_thread_left_behind(process_all, guard, feedback):
    """every thread it started has finished when it returns"""
    values = list(range(9))
    handle = sleeping(0.01)
    result = guard.call(process_all, values, handle, num_workers=3, queue_size=5, deadline=3)
    check_did_the_work(feedback, result, values, handle, "Leaving no thread behind")
    guard.check_no_leaks(
        expected="no thread of yours alive once process_all() has returned",
        cause="consumers left blocked in get() (daemon threads that are never told to stop) "
              "or threads never joined: send one sentinel per consumer, then join() every "
              "thread before returning")
