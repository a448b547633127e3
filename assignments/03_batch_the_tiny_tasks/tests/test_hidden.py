"""Assignment 3, hidden tests: the same behaviours with other sizes and inputs.

Never shipped to students; `make grade` runs them, `make check` does not.
"""
from __future__ import annotations

import pytest
from batching_support import (LEAK, check_batched, check_in_workers, check_results,
                              expected_meanwhile, fail_on, label, sized, slow_at, tiny, worked)

from autograder.checks import clip
from autograder.grading.ckworker.workloads import WorkerError

pytestmark = pytest.mark.visibility("after_published")


@pytest.mark.points(1)
def test_empty_input(parallel_map, guard, tree_cpu, feedback):
    """empty input returns [] at once (and other input goes to the pool's workers)"""
    result = guard.call(parallel_map, tiny(), [], max_workers=2, deadline=5,
                        what="parallel_map(func, [])")
    feedback.measure("returned after", f"{guard.elapsed:.3f} s")
    feedback.check(result == [], "parallel_map(func, []) must return an empty list.",
                   measured=clip(repr(result), 100), expected="[]",
                   cause="the batch size or count was computed from len(items) and came out "
                         "as 0 (a division or range() step of zero): handle empty input first")
    feedback.check(guard.elapsed < 0.5, "parallel_map(func, []) took too long to return.",
                   measured=f"{guard.elapsed:.2f} s", expected="well under 0.5 s",
                   cause="a pool started (or waited for) although there is nothing to do: "
                         "return [] before creating it")
    worked(parallel_map, guard, tree_cpu, feedback)


@pytest.mark.points(1)
@pytest.mark.parametrize("n_items, workers", [(10_001, 3), (3, 2), (500, 1)],
                         ids=["10001_items_3_workers", "3_items_2_workers",
                              "500_items_1_worker"])
def test_other_sizes(parallel_map, guard, tree_cpu, feedback, n_items, workers):
    """right results in order for other sizes: uneven batches, fewer items than workers"""
    items = list(range(n_items))
    func = slow_at(sized(n_items), at=0)
    expected = expected_meanwhile(func, items)
    with tree_cpu() as cpu:
        result = guard.call(parallel_map, func, items, max_workers=workers, deadline=20,
                            what=f"parallel_map() on {n_items} items with max_workers={workers}")
    want, work = expected()
    check_results(feedback, result, items, func, expected=want)
    check_in_workers(feedback, cpu, work)
    seen = cpu.workers()
    feedback.measure("worker processes seen while it ran", len(seen), expected=f"<= {workers}")
    feedback.check(len(seen) <= workers,
                   f"{len(seen)} worker processes ran with max_workers={workers}.",
                   measured=f"{len(seen)} processes under yours", expected=f"at most {workers}",
                   cause="max_workers was not passed on to the pool (or a pool was started per "
                         "batch)")


@pytest.mark.points(3)
def test_tiny_items_batched_other_sizes(parallel_map, guard, tree_cpu, feedback):
    """10001 tiny items with 3 workers, 6000 with 1: still a few batches per worker"""
    for n_items, workers in ((10_001, 3), (6000, 1)):
        func = tiny()
        expected = expected_meanwhile(func, range(n_items))
        with tree_cpu() as cpu:
            result = guard.call(parallel_map, func, range(n_items), max_workers=workers,
                                deadline=20, what=f"parallel_map() on {n_items} tiny items "
                                                  f"with max_workers={workers}")
        want, work = expected()
        check_results(feedback, result, range(n_items), func, expected=want, order=False)
        check_batched(feedback, cpu, n_items, workers=workers, work_cpu=work,
                      what=f"parallel_map(..., max_workers={workers})")


@pytest.mark.points(1)
def test_any_iterable(parallel_map, guard, feedback):
    """items may be a range, a tuple or a generator (no len() or slicing of the input)"""
    values = list(range(0, 9000, 3))
    inputs = [("a range", range(0, 9000, 3)), ("a tuple", tuple(values)),
              ("a generator", (v for v in values))]
    for name, items in inputs:
        func = slow_at(tiny(), at=0) if name == "a range" else tiny()
        try:
            result = guard.call(parallel_map, func, items, max_workers=2, deadline=15,
                                what=f"parallel_map() given {name}")
        except TypeError as exc:
            feedback.fail(f"parallel_map() given {name} raised TypeError: {exc}",
                          expected="any iterable works, as in [func(x) for x in items]",
                          cause="the input was sliced or measured with len() before it was "
                                "turned into a list: start with items = list(items)")
        check_results(feedback, result, values, func, what=f"parallel_map() given {name}")


@pytest.mark.points(1)
def test_results_that_are_not_ints(parallel_map, guard, feedback):
    """results that are tuples of strings come back whole and in order"""
    words = [f"w{i}" + "x" * (i % 7) for i in range(2000)]
    func = slow_at(label(), at=words[0])
    result = guard.call(parallel_map, func, words, max_workers=2, deadline=15,
                        what="parallel_map() on 2000 words")
    check_results(feedback, result, words, func)


@pytest.mark.points(1)
def test_exception_in_a_tiny_batch(parallel_map, guard, feedback):
    """func raising for 2 of 6000 tiny items: the caller gets WorkerError"""
    bad = {3000, 4444}
    try:
        result = guard.call(parallel_map, fail_on(bad), range(6000), max_workers=2,
                            deadline=15, what="parallel_map() with a func that raises")
    except WorkerError as exc:
        feedback.measure("exception raised to the caller", repr(exc),
                         expected="WorkerError(3000) or WorkerError(4444)")
        feedback.check(exc.args and exc.args[0] in bad,
                       "parallel_map() raised a WorkerError func never raised.",
                       measured=repr(exc), expected="WorkerError(3000) or WorkerError(4444)",
                       cause="the exception was re-created on its way back: let "
                             "future.result() re-raise it as it is")
        return
    except Exception as exc:  # noqa: BLE001 - the wrong type is the finding
        feedback.fail(f"parallel_map() raised {type(exc).__name__} instead of WorkerError.",
                      measured=f"{type(exc).__name__}: {exc}",
                      expected="the WorkerError func raised, with its own type",
                      cause="the worker's exception was replaced by another one")
    nones = sum(r is None for r in result) if isinstance(result, list) else "?"
    feedback.fail("func raised for items 3000 and 4444, but parallel_map() returned normally.",
                  measured=f"a list of {len(result) if isinstance(result, list) else '?'} "
                           f"results, {nones} of them None",
                  expected="WorkerError raised to the caller",
                  cause="the batch runner catches func's exception and keeps going: one failing "
                        "item must fail the call, as in [func(x) for x in items]")


@pytest.mark.points(1)
def test_no_child_left_after_an_exception(parallel_map, guard, tree_cpu, feedback):
    """no worker process is alive after a func that raised"""
    try:
        guard.call(parallel_map, fail_on({1}), range(3000), max_workers=2,
                   deadline=10, what="parallel_map() with a func that raises")
    except WorkerError:
        pass
    guard.check_no_leaks(expected="every worker stopped, also when func raised", cause=LEAK)
    worked(parallel_map, guard, tree_cpu, feedback)
