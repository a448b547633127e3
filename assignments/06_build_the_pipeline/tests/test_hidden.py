"""Assignment 6, hidden tests: the same behaviours with other inputs and failures.

Never shipped to students; `make grade` runs them, `make check` does not.
"""
from __future__ import annotations

import pytest
from pipeline_support import (Items, check_calls, check_outputs, check_worked, expected,
                              make_stages)

from autograder.checks import CallTracker, clip, timing

pytestmark = pytest.mark.visibility("after_published")


@pytest.mark.points(2)
def test_none_and_falsy_items(run_pipeline, guard, feedback):
    """None, 0, '' and False are items like any other, not stop signals"""
    values = [1, None, 0, "", None, False, 2]
    stages = [CallTracker(lambda x: (timing.sleep(0.005), x)[1], label="stage calls")
              for _ in range(3)]
    result = guard.call(run_pipeline, values, stages, deadline=3,
                        what="run_pipeline([1, None, 0, '', None, False, 2], 3 stages)",
                        hang_cause="a None item was taken for the stop signal: a worker stopped "
                                   "with items still coming. Use a unique object() as the "
                                   "sentinel, since None can be an item")
    feedback.check(isinstance(result, list) and list(map(repr, result)) == list(map(repr, values)),
                   "The outputs of None and falsy items are wrong or missing.",
                   measured=clip(repr(result), 200), expected=repr(values),
                   cause="None taken for the stop signal, or `if not item` skipping falsy "
                         "items. The sentinel must be something no item can be: object()")


@pytest.mark.points(2)
def test_slow_producer_loses_nothing(run_pipeline, guard, feedback):
    """an input that pauses 1.6 s halfway: the workers wait for it, nothing is lost"""
    # 1.6 s: well past the lesson's get(timeout=1), whatever the machine's load.
    items = Items(range(10), pauses={5: 1.6})
    stages = make_stages(3, delay=0.005)
    result = guard.call(run_pipeline, items, stages, deadline=3,
                        what="run_pipeline() with an input that pauses 1.6 s after 5 items",
                        hang_cause="the workers gave up while the input paused: get(timeout=...) "
                                   "raised Empty and they stopped, so the items after the pause "
                                   "fill the first queue and put() waits for ever. A slow "
                                   "producer is not a finished one: stop on a sentinel")
    check_calls(feedback, stages, 10)
    check_outputs(feedback, result, expected(stages, 10))


@pytest.mark.points(2)
def test_errors_in_every_stage(run_pipeline, guard, feedback):
    """with 2 workers per stage, exceptions raised in the first, middle and last stages are outputs"""
    fail = {0: {1}, 1: {4, 7}, 2: {10}}
    stages = make_stages(3, delay=0.01, fail=fail)
    result = guard.call(run_pipeline, list(range(12)), stages, workers_per_stage=2, deadline=2,
                        what="run_pipeline() with stages that raise for some items",
                        hang_cause="a worker died with the exception, so its stage's queue "
                                   "fills up and everyone before it waits in put() for ever")
    check_calls(feedback, stages, 12, fail)
    check_outputs(feedback, result, expected(stages, 12, fail), order=False)


@pytest.mark.points(1)
def test_no_thread_left_after_errors(run_pipeline, guard, feedback):
    """no thread left running after stages raised, with several workers per stage"""
    fail = {0: {3}, 1: {0, 5}, 2: {8}}
    stages = make_stages(3, delay=0.005, fail=fail)
    result = raised = None
    try:
        result = guard.call(run_pipeline, list(range(10)), stages, workers_per_stage=[2, 3, 2],
                            deadline=2)
    except Exception as exc:  # noqa: BLE001 - raising and hanging are graded elsewhere
        raised = exc
    guard.check_no_leaks(
        expected="no thread of yours alive once run_pipeline() has returned",
        cause="workers that never got their stop signal (one sentinel for several workers), "
              "or that died with a stage's exception and left others blocked")
    check_worked(feedback, result, stages, 10, what="A clean shutdown after errors",
                 raised=raised)


@pytest.mark.points(1)
def test_bad_workers_per_stage(run_pipeline, guard, feedback):
    """workers_per_stage of the wrong length, or below 1, raises ValueError (and a right one works)"""
    stages = make_stages(3)
    result = guard.call(run_pipeline, [0, 1, 2], stages, workers_per_stage=[1, 1, 1], deadline=2,
                        what="run_pipeline([0, 1, 2], 3 stages, workers_per_stage=[1, 1, 1])")
    check_worked(feedback, result, stages, 3, what="Refusing a bad workers_per_stage")
    for bad in ([1, 2], 0, [1, 0, 1]):
        stages = make_stages(3)
        try:
            guard.call(run_pipeline, [1, 2, 3], stages, workers_per_stage=bad, deadline=2,
                       what=f"run_pipeline(items, 3 stages, workers_per_stage={bad!r})")
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001
            feedback.fail(f"workers_per_stage={bad!r} raised {type(exc).__name__}, not ValueError.",
                          measured=f"{type(exc).__name__}: {exc}", expected="ValueError",
                          cause="check the argument before starting any thread")
        feedback.fail(f"workers_per_stage={bad!r} for 3 stages was accepted.",
                      measured="no exception", expected="ValueError",
                      cause="a list needs one count per stage, and every stage needs at least "
                            "one worker (with none, its queue fills and nothing ever leaves): "
                            "check it before starting any thread and raise ValueError")


@pytest.mark.points(1)
def test_generator_input_four_stages(run_pipeline, guard, feedback):
    """any iterable: a generator of 15 items through 4 stages given as a tuple"""
    stages = make_stages(4, delay=0.003)
    result = guard.call(run_pipeline, (i for i in range(15)), tuple(stages),
                        workers_per_stage=[1, 2, 3, 2], deadline=4)
    check_calls(feedback, stages, 15)
    check_outputs(feedback, result, expected(stages, 15), order=False)
