"""Assignment 6, visible tests: what `make check ASSIGNMENT=6` runs.

The stages are the grader's own functions that wait (sleep) and log every call: which
thread ran it, when it started and ended. What a stage returns is a token only the grader
can read (a new key every test), so the outputs say nothing of the order the items came
in. Where a verdict depends on which thread gets there first, the stages make it happen
(a call waits for another stage's call) rather than hope for it; the latencies that vary
come from a seeded table, the same in every grading. A test of how the pipeline stops
counts only where the pipeline did its work in that same test. The hidden tests check
the same behaviours with other inputs and failures.
"""
from __future__ import annotations

import pytest
from pipeline_support import (WAIT_LIMIT, Boom, check_calls, check_outputs, check_worked,
                              expected, make_stages, producer_lead, same_items,
                              shuffled_delays)

from autograder.checks import clip, max_overlap, timing

STOP_CAUSE = ("one stop signal for several workers: the worker that takes it stops, the "
              "others wait in get() forever. After the last item, put one sentinel per "
              "worker of the next stage, and only once every worker of this stage has "
              "finished (the last one to stop can do it); then join every thread")
PARALLEL_CAUSE = ("the stages take turns instead of working at once: each stage runs over all "
                  "the items before the next starts, or something makes the workers wait for "
                  "one another (a lock held around the stage call). Lesson IV, Pattern 3 (the "
                  "assembly line): every stage has its own workers, joined to the next by a "
                  "queue, all running at once")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_every_item_through_every_stage(run_pipeline, guard, feedback):
    """every item passes through every stage, in order, exactly once"""
    delays = shuffled_delays(60, 3, 12)
    delays[2, 11] = 0.15   # the last item's last call is slow: results read early miss it
    stages = make_stages(3, delay=delays)
    result = guard.call(run_pipeline, list(range(12)), stages, deadline=4)
    check_calls(feedback, stages, 12)
    check_outputs(feedback, result, expected(stages, 12))


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_order_restored(run_pipeline, guard, feedback):
    """outputs come back in input order with 3 workers per stage, although items overtake one another"""
    n = 9
    # Seeded latencies, and item 0 leaves the last stage only after item 1 has: completion
    # order (or its reverse) is never input order, nor is sorting the outputs by value.
    delays = shuffled_delays(61, 3, n)
    delays[2, 0] = 0.1
    stages = make_stages(3, delay=delays, waits={(2, 0): ("end", 2, 1)})
    result = guard.call(run_pipeline, list(range(n)), stages, workers_per_stage=3, deadline=4)
    check_outputs(feedback, result, expected(stages, n))


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_exception_in_middle_stage(run_pipeline, guard, feedback):
    """a stage that raises: the exception is that item's output, in its place; later stages skip it"""
    fail = {1: {2, 5}}
    # One worker per stage, and the middle stage raises for item 2 (5) 0.1 s after item 1
    # (4) has left the last stage: the outputs are finished in input order, so only where
    # the exceptions are put can break the order. (A pipeline that runs stage after stage
    # waits 0.4 s in vain there; that is test_pipeline_parallelism's business.)
    stages = make_stages(3, delay={(1, 2): 0.1, (1, 5): 0.1}, fail=fail,
                         waits={(1, 2): ("end", 2, 1), (1, 5): ("end", 2, 4)}, wait_limit=0.4)
    try:
        result = guard.call(run_pipeline, list(range(10)), stages, deadline=2,
                            what="run_pipeline() with a middle stage that raises for items 2 and 5",
                            hang_cause="the worker of the middle stage died with the exception, "
                                       "so the items queued for it are never taken and the "
                                       "stage before it blocks in put() for ever")
    except Boom as exc:
        feedback.fail(f"run_pipeline() raised the stage's exception {exc!r}.",
                      measured=f"Boom{exc.args} escaped", expected="a list with the exception "
                      "object as the output of items 2 and 5",
                      cause="the exception is a result, not the end of the pipeline: catch it "
                            "in the worker (try/except around the stage call) and record it")
    check_calls(feedback, stages, 10, fail)
    check_outputs(feedback, result, expected(stages, 10, fail))


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_all_workers_stop(run_pipeline, guard, feedback):
    """with 3 workers per stage, every thread has finished when run_pipeline returns, the work done"""
    # Items 6 and 7 stay 0.2 s in stage 0, item 8 not: a stage-0 worker is out of items
    # while two others still work, so a stop signal sent on before the whole stage has
    # finished overtakes items 6 and 7.
    stages = make_stages(3, delay={(0, 6): 0.2, (0, 7): 0.2})
    result = guard.call(run_pipeline, list(range(9)), stages, workers_per_stage=3, deadline=4,
                        hang_cause=STOP_CAUSE)
    check_worked(feedback, result, stages, 9, what="A clean shutdown")
    guard.check_no_leaks(expected="no thread of yours alive once run_pipeline() has returned",
                         cause=STOP_CAUSE)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_returns_promptly(run_pipeline, guard, feedback):
    """returns as soon as the last item leaves the last stage (no idle get() timeout)"""
    stages = make_stages(3, delay=0.02)
    result = guard.call(run_pipeline, list(range(8)), stages, workers_per_stage=2, deadline=4)
    if stages[-1].last_end is None:  # the last stage never ran: nothing to be prompt about
        check_outputs(feedback, result, expected(stages, 8), order=False)
    tail = guard.returned_at - stages[-1].last_end
    feedback.measure("from the last stage call's end to the return", f"{tail:.3f} s",
                     expected="< 0.3 s")
    feedback.check(tail < 0.3, f"run_pipeline() returned {tail:.2f} s after the last item was done.",
                   measured=f"{tail:.3f} s idle", expected="under 0.3 s",
                   cause="workers stop when get(timeout=...) expires, so every run ends with "
                         "a wait for nothing. A timeout cannot tell 'finished' from 'slow': "
                         "stop on a sentinel instead, with get() and no timeout")
    check_outputs(feedback, result, expected(stages, 8), order=False)


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_queues_bounded(run_pipeline, guard, feedback):
    """backpressure: while the first stage is stuck, the input is not read far ahead"""
    ahead, returned, result, stages = producer_lead(run_pipeline, 40, workers=2, queue_size=3)
    limit = 3 + 2 + 2
    feedback.measure("items taken from the input while both stage-0 workers were blocked",
                     ahead, expected=f"<= {limit} (queue_size 3 + 2 workers + one in the "
                                     f"producer's hand, +1 slack)")
    feedback.check(ahead <= limit,
                   f"{ahead} of 40 items were read from the input while the first stage was stuck.",
                   measured=f"{ahead} items taken", expected=f"at most {limit}",
                   cause="the queue that feeds the first stage is not bounded: "
                         "Queue(maxsize=queue_size) makes put() block when the stage falls "
                         "behind (backpressure), so a slow stage cannot be buried in work "
                         "(or the input was read into a list first)")
    feedback.check(returned, "run_pipeline() did not return after the first stage was released.",
                   measured="still running 4 s later", expected="returns once the work is done",
                   cause="a worker stopped or died while the first stage was blocked",
                   where=guard.where())
    calls = [t.count for t in stages]
    feedback.measure("calls per stage once released", calls, expected=[40] * len(stages))
    feedback.check(same_items(result, 40) and calls == [40] * len(stages),
                   "Backpressure only counts once the pipeline has done its work, and it did "
                   "not: once the first stage was released, the 40 items did not all come out.",
                   measured=f"calls per stage {calls}; returned "
                            + (f"{len(result)} outputs" if isinstance(result, list)
                               else clip(repr(result), 60)),
                   expected="40 calls per stage and the 40 items back",
                   cause="items lost while the first stage was blocked: a worker that gave up "
                         "on a get() timeout, or a producer that stopped reading")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_pipeline_parallelism(run_pipeline, guard, feedback):
    """the stages work at the same time: 10 items through 3 stages take about (10 + 2) steps, not 30"""
    n, s, step = 10, 3, 0.03
    # Without a clock first: stage 0 holds its last item until the last stage has started
    # on one. A pipeline goes on at once; stage after stage waits the full WAIT_LIMIT.
    stages = make_stages(s, delay=0.005, waits={(0, n - 1): ("start", s - 1)})
    result = guard.call(run_pipeline, list(range(n)), stages, deadline=5)
    check_outputs(feedback, result, expected(stages, n), order=False)
    feedback.check(not stages.happened.missed,
                   f"The last stage started on no item before stage 0 had finished all {n}.",
                   measured=f"stage 0 held item {n - 1} for {WAIT_LIMIT:.0f} s, waiting for "
                            f"stage {s - 1} to start on any item: it did not",
                   expected=f"stage {s - 1} works on the first items while stage 0 is still "
                            f"on the last",
                   cause=PARALLEL_CAUSE)
    sequential, ideal = n * s * step, (n + s - 1) * step
    limit = 0.6 * sequential
    best = None
    for _attempt in range(2):  # a busy machine can delay one run; a pipeline passes either way
        stages = make_stages(s, delay=step)
        guard.call(run_pipeline, list(range(n)), stages, deadline=5)
        took = stages[-1].last_end - guard.started_at
        overlap = max_overlap([(c.start, c.end) for t in stages for c in t.calls])
        if best is None or took < best[0]:
            best = (took, overlap)
        if took < limit:
            break
    took, overlap = best
    feedback.measure("time until the last item left the last stage", f"{took:.3f} s",
                     expected=f"< {limit:.2f} s (pipelined: about {ideal:.2f} s; "
                              f"one stage after another: {sequential:.2f} s)")
    feedback.measure("most stage calls running at once", overlap, expected=s)
    feedback.check(took < limit,
                   f"10 items through 3 stages of {step * 1000:.0f} ms took {took:.2f} s.",
                   measured=f"{took:.3f} s; at most {overlap} stage call(s) at once\n"
                            + timing.bars({"your pipeline": took, "pipelined": ideal,
                                           "one stage after another": sequential}),
                   expected=f"under {limit:.2f} s: while stage 2 works on item i, stage 1 "
                            f"works on item i+1 and stage 0 on item i+2, about {ideal:.2f} s",
                   cause=PARALLEL_CAUSE)


def check_peaks(feedback, stages, want):
    """Each stage had exactly its workers_per_stage calls in flight at its busiest: the
    stages' first calls wait for one another (Crowd), so fewer is not the machine's doing."""
    peaks = [t.peak for t in stages]
    feedback.measure("most calls in flight, per stage", peaks, expected=want)
    over = [k for k, (p, w) in enumerate(zip(peaks, want)) if p > w]
    if over:
        k = over[0]
        feedback.fail(f"Stage {k} had {peaks[k]} calls in flight at once, with "
                      f"workers_per_stage {want[k]}.",
                      measured=f"peaks {peaks}", expected=f"{want}: never more than a stage's "
                      f"own workers",
                      cause="more threads call a stage than it was given: one pool shared by "
                            "every stage, a thread started per item, or a worker that runs the "
                            "next stage itself. Stage k gets workers_per_stage[k] threads, and "
                            "only they call it")
    feedback.check(peaks == want, f"The stages had {peaks} items in hand at their busiest.",
                   measured=f"peaks {peaks}; the first calls of each stage waited "
                            f"{WAIT_LIMIT:.0f} s for one another", expected=f"{want}",
                   cause="each stage needs its own workers_per_stage threads, all taking from "
                         "that stage's queue; fewer means a thread count that ignores the "
                         "argument, or a lock held around the stage call")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_workers_per_stage_busy(run_pipeline, guard, feedback):
    """with workers_per_stage=3, each stage has 3 items in hand at its busiest, never more"""
    stages = make_stages(3, delay=0.04, crowds=[3, 3, 3])
    result = guard.call(run_pipeline, list(range(12)), stages, workers_per_stage=3, deadline=9)
    check_outputs(feedback, result, expected(stages, 12), order=False)
    check_peaks(feedback, stages, [3, 3, 3])


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_workers_per_stage_list(run_pipeline, guard, feedback):
    """workers_per_stage=[1, 3, 2] gives each stage its own number of workers"""
    delays = [0.01, 0.06, 0.04]
    stages = make_stages(3, delay=lambda k, i: delays[k], crowds=[1, 3, 2])
    result = guard.call(run_pipeline, list(range(12)), stages, workers_per_stage=[1, 3, 2],
                        deadline=9)
    check_outputs(feedback, result, expected(stages, 12), order=False)
    check_peaks(feedback, stages, [1, 3, 2])


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
def test_empty_input(run_pipeline, guard, feedback):
    """empty input returns [] at once (and then 3 items go through as usual)"""
    stages = make_stages(3)
    result = guard.call(run_pipeline, [], stages, workers_per_stage=2, deadline=3)
    feedback.measure("returned after", f"{guard.elapsed:.3f} s")
    feedback.check(result == [], "run_pipeline([], stages) must return an empty list.",
                   measured=clip(repr(result), 100), expected="[]",
                   cause="with no items there is no output")
    feedback.check(guard.elapsed < 1.0, "run_pipeline([], stages) took too long to return.",
                   measured=f"{guard.elapsed:.2f} s", expected="well under 1 s",
                   cause="waiting for items that never come: the stop signals must go out "
                         "even when there were no items")
    stages = make_stages(3)
    result = guard.call(run_pipeline, [0, 1, 2], stages, workers_per_stage=2, deadline=3)
    check_worked(feedback, result, stages, 3, what="Returning [] for no items")
