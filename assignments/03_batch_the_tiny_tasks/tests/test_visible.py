"""Assignment 3, visible tests: what `make check ASSIGNMENT=3` runs.

func is the grader's own work (a result can only be had by computing it, under a key
drawn for each test); which processes did it, and how many tasks travelled to the pool,
is read from the kernel. The hidden tests check the same behaviours with other sizes and
inputs.
"""
from __future__ import annotations

import pytest
from batching_speed import heavy_speedup, tiny_speedup
from batching_support import (LEAK, SPAWN, check_batched, check_in_processes, check_in_workers,
                              check_results, children_need, expected_meanwhile, fail_on, sized,
                              slow_at, spin, spin_for, tiny, worked)

from autograder.checks import clip, start_method
from autograder.grading.ckworker.workloads import WorkerError


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_tiny_items_results(parallel_map, guard, feedback):
    """20000 tiny items: the same results as a plain loop, in the same order"""
    items = list(range(20_000))
    func = slow_at(tiny(), at=0)          # the first batch finishes last
    expected = expected_meanwhile(func, items)
    result = guard.call(parallel_map, func, items, max_workers=2, deadline=20,
                        what="parallel_map() on 20000 tiny items")
    check_results(feedback, result, items, func, expected=expected()[0])


@pytest.mark.points(5)
@pytest.mark.visibility("visible")
def test_tiny_items_sent_in_batches(parallel_map, guard, tree_cpu, feedback):
    """20000 tiny items travel to the workers in a few batches, not one task each"""
    func = tiny()
    expected = expected_meanwhile(func, range(20_000))
    with tree_cpu() as cpu:
        result = guard.call(parallel_map, func, range(20_000), max_workers=2, deadline=20,
                            what="parallel_map() on 20000 tiny items")
    want, work = expected()
    check_results(feedback, result, range(20_000), func, expected=want, order=False)
    check_batched(feedback, cpu, 20_000, workers=2, work_cpu=work)


@pytest.mark.points(5)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_tiny_items_faster_than_one_task_each(parallel_map, guard, tree_cpu, feedback):
    """5000 tiny items: many times faster than a pool that ships each item alone"""
    tiny_speedup(parallel_map, guard, tree_cpu, feedback, n_items=5000, workers=2)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_heavy_items_results(parallel_map, guard, feedback):
    """6 heavy items of uneven cost: the same results as a plain loop, in the same order"""
    unit = spin_for(0.012)
    items = [10 * unit, unit, unit + 1, unit + 2, unit + 3, unit + 4]   # the first is heaviest
    func = spin()
    expected = expected_meanwhile(func, items)
    result = guard.call(parallel_map, func, items, max_workers=2, deadline=15,
                        what="parallel_map() on 6 heavy items")
    check_results(feedback, result, items, func, expected=expected()[0])


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_heavy_items_run_in_several_processes(parallel_map, guard, tree_cpu, feedback):
    """8 heavy items run in 2 worker processes, not in the caller"""
    items = [spin_for(0.04) + i for i in range(8)]
    for _ in range(2):                 # a second look if a busy machine hid a worker
        func = spin()
        expected = expected_meanwhile(func, items)
        with tree_cpu() as cpu:
            result = guard.call(parallel_map, func, items, max_workers=2, deadline=15,
                                what="parallel_map() on 8 heavy items")
        want, work = expected()
        if len(cpu.busy()) >= 2 and cpu.children >= children_need(cpu, work):
            break
    check_results(feedback, result, items, func, expected=want, order=False)
    check_in_processes(feedback, cpu, work, workers=2)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_heavy_items_speedup(parallel_map, tree_cpu, feedback):
    """8 heavy items: faster than a plain loop, as far as the free CPUs allow"""
    heavy_speedup(parallel_map, tree_cpu, feedback, items=[spin_for(0.05) + i for i in range(8)],
                  workers=2)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_exception_reaches_caller(parallel_map, guard, feedback):
    """an exception raised by func reaches the caller with its own type"""
    items = list(range(100))
    try:
        result = guard.call(parallel_map, fail_on({37}), items, max_workers=2,
                            deadline=10, what="parallel_map() with a func that raises")
    except WorkerError as exc:
        feedback.measure("exception raised to the caller", repr(exc), expected="WorkerError(37)")
        feedback.check(exc.args == (37,), "parallel_map() raised a different WorkerError.",
                       measured=repr(exc), expected="WorkerError(37), the one func raised",
                       cause="the exception was re-created or re-numbered on its way back: "
                             "let future.result() re-raise it as it is")
        return
    except Exception as exc:  # noqa: BLE001 - the wrong type is the finding
        feedback.fail(f"parallel_map() raised {type(exc).__name__} instead of func's WorkerError.",
                      measured=f"{type(exc).__name__}: {exc}",
                      expected="WorkerError(37): the exception func raised, with its own type",
                      cause="the worker's exception was caught and replaced by another one; let "
                            "it propagate: future.result() re-raises it in the caller")
    got = result[37] if isinstance(result, list) and len(result) > 37 else result
    feedback.fail("func raised WorkerError(37) for item 37, but parallel_map() returned normally.",
                  measured=f"it returned a result; at index 37: {got!r:.80}",
                  expected="WorkerError(37) raised to the caller, as [func(x) for x in items] would",
                  cause="the exception was caught in the worker (try/except around func) and "
                        "replaced by a value: let it propagate; future.result() re-raises it in "
                        "the caller with its own type")


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
def test_no_child_left_behind(parallel_map, guard, tree_cpu, feedback):
    """no worker process is alive after parallel_map returns"""
    worked(parallel_map, guard, tree_cpu, feedback)
    guard.check_no_leaks(expected="no worker process (or pool thread) alive once "
                                  "parallel_map() has returned", cause=LEAK)


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_start_methods(parallel_map, guard, tree_cpu, feedback, method):
    """works when workers are started with spawn or forkserver, not only fork"""
    items = list(range(3000))
    func = sized(len(items))
    expected = expected_meanwhile(func, items)
    with start_method(method):
        try:
            with tree_cpu() as cpu:
                result = guard.call(parallel_map, func, items, max_workers=2, deadline=20,
                                    what=f"parallel_map() under the {method} start method")
        except Exception as exc:  # noqa: BLE001 - the exception is the finding
            feedback.fail(f"parallel_map() failed when workers start with {method}.",
                          measured=clip(f"{type(exc).__name__}: {exc}", 300),
                          expected="the same results as with fork (spawn is the default on "
                                   "macOS and Windows, forkserver on Linux from Python 3.14)",
                          cause=SPAWN)
    want, work = expected()
    # Order is graded elsewhere (test_tiny_items_results): a multiset here.
    feedback.check(isinstance(result, list) and sorted(result) == sorted(want),
                   f"parallel_map() under {method} returned wrong results.",
                   measured=f"{len(result) if isinstance(result, list) else type(result).__name__}"
                            f" results; first: {list(result)[:3] if result else result!r}",
                   expected=f"{len(items)} results, func(x) for every item",
                   cause=SPAWN)
    check_in_workers(feedback, cpu, work, what=f"parallel_map() under {method}")
    guard.check_no_leaks(expected="every worker stopped before parallel_map() returns",
                         cause=LEAK)
