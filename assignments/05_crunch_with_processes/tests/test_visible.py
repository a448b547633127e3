"""Assignment 5, visible tests: what `make check ASSIGNMENT=5` runs.

The hidden tests check the same behaviours with other sizes and arguments.
"""
from __future__ import annotations

import pytest
from crunch_support import (LEAK, SPAWN, check_did_the_work, check_in_processes,
                            check_results, crunch_speedup, expected, measure_seq, seq_cpu,
                            structural)

from autograder.checks import clip, start_method

@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_results_match_a_plain_loop(crunch, guard, feedback):
    """20000 items in 4 chunks: items, sum, average, min and max of a plain loop"""
    result = guard.call(crunch, 20_000, chunk_size=5000, max_workers=2, deadline=15,
                        what="crunch(20000, chunk_size=5000, max_workers=2)")
    check_results(feedback, result, 20_000, 5000)


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
def test_uneven_last_chunk(crunch, guard, feedback):
    """10007 items in chunks of 1000: the short last chunk counts, and counts by its size"""
    result = guard.call(crunch, 10_007, chunk_size=1000, max_workers=2, deadline=15,
                        what="crunch(10007, chunk_size=1000, max_workers=2)")
    check_results(feedback, result, 10_007, 1000)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_no_items(crunch, guard, tree_cpu, feedback):
    """crunch(0): items 0, sum 0, average, min and max None, at once and without a pool"""
    with tree_cpu() as cpu:
        try:
            result = guard.call(crunch, 0, max_workers=2, deadline=10, what="crunch(0)")
        except Exception as exc:  # noqa: BLE001 - the exception is the finding
            feedback.fail("crunch(0) raised instead of returning.",
                          measured=clip(f"{type(exc).__name__}: {exc}", 200),
                          expected="{'items': 0, 'sum': 0.0, 'average': None, 'min': None, "
                                   "'max': None}",
                          cause="with no values, the average divides by zero and min()/max() "
                                "of an empty list raise ValueError: handle n_items == 0 first, "
                                "before any chunk is made")
    want = expected(0)
    feedback.measure("returned", clip(repr(result), 120), expected=repr(want))
    ok = (isinstance(result, dict) and set(result) == set(want) and result["items"] == 0
          and result["sum"] == 0 and not isinstance(result["sum"], bool)
          and all(result[k] is None for k in ("average", "min", "max")))
    feedback.check(ok, "crunch(0) returned the wrong result.",
                   measured=clip(repr(result), 200), expected=repr(want),
                   cause="for no values there is no average, min or max: the contract says "
                         "None for those three (not 0, not float('inf')), and items 0, sum 0")
    feedback.measure("returned after", f"{guard.elapsed:.3f} s", expected="< 0.5 s")
    feedback.measure("child processes started", len(cpu.workers()), expected=0)
    feedback.check(guard.elapsed < 0.5 and not cpu.workers(),
                   "crunch(0) started a pool although there is nothing to do.",
                   measured=f"{guard.elapsed:.2f} s, {len(cpu.workers())} child process(es)",
                   expected="returns at once, no process started",
                   cause="the pool is created before n_items == 0 is handled: return the "
                         "empty result first")


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
@pytest.mark.parametrize("args", [(-1, 1000), (1000, -5)], ids=["n_items_-1", "chunk_size_-5"])
def test_bad_arguments_raise_value_error(crunch, guard, feedback, args):
    """n_items < 0 or chunk_size < 1 raise ValueError"""
    n_items, chunk_size = args
    call = f"crunch({n_items}, chunk_size={chunk_size})"
    try:
        result = guard.call(crunch, n_items, chunk_size=chunk_size, max_workers=2,
                            deadline=10, what=call)
    except ValueError as exc:
        feedback.measure("raised", clip(f"ValueError: {exc}", 120), expected="ValueError")
        return
    except Exception as exc:  # noqa: BLE001 - the wrong type is the finding
        feedback.fail(f"{call} raised {type(exc).__name__}, not ValueError.",
                      measured=clip(f"{type(exc).__name__}: {exc}", 200), expected="ValueError",
                      cause="the arguments are not checked, so something else failed later: "
                            "check them first and raise ValueError with a message saying "
                            "which argument is wrong")
    feedback.fail(f"{call} returned instead of raising ValueError.",
                  measured=f"returned {result!r:.120}", expected="ValueError",
                  cause="the contract says n_items < 0 or chunk_size < 1 raise ValueError: "
                        "range() quietly gives no values for them, so nothing fails on its "
                        "own. Check the arguments at the top of crunch")


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
def test_runs_in_several_processes(crunch, guard, workers_cpu, feedback):
    """4000000 items in 20 chunks: computed by 2 worker processes, not the caller"""
    n_items = 4_000_000
    seq = measure_seq(n_items)
    for _ in range(2):                # a second look if a busy machine hid a worker
        with workers_cpu() as cpu:
            guard.call(crunch, n_items, chunk_size=200_000, max_workers=2, deadline=25,
                       what="crunch(4000000, chunk_size=200000, max_workers=2)")
        if structural(cpu, seq):
            break
    check_in_processes(feedback, cpu, seq, workers=2)


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_speedup(student, feedback):
    """2000000 items: faster than the grader's one-process loop, as far as the free CPUs allow"""
    crunch_speedup(student.crunch, student, feedback, n_items=2_000_000, chunk_size=100_000,
                   workers=2)


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
def test_no_child_left_behind(crunch, guard, workers_cpu, feedback):
    """no worker process is alive after crunch returns (once they did the work)"""
    what = "crunch(600000, chunk_size=100000, max_workers=2)"
    with workers_cpu() as cpu:
        result = guard.call(crunch, 600_000, chunk_size=100_000, max_workers=2, deadline=15,
                            what=what)
    check_did_the_work(feedback, cpu, seq_cpu(600_000), result, 600_000, what)
    guard.check_no_leaks(expected="no worker process (or pool thread) alive once crunch() "
                                  "has returned", cause=LEAK)


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_start_methods(crunch, guard, workers_cpu, feedback, method):
    """works when workers are started with spawn or forkserver, not only fork"""
    what = f"crunch() under the {method} start method"
    with start_method(method), workers_cpu() as cpu:
        try:
            result = guard.call(crunch, 600_000, chunk_size=100_000, max_workers=2,
                                deadline=20, what=what)
        except Exception as exc:  # noqa: BLE001 - the exception is the finding
            feedback.fail(f"crunch() failed when workers start with {method}.",
                          measured=clip(f"{type(exc).__name__}: {exc}", 300),
                          expected="the same result as with fork (spawn is the default on "
                                   "macOS and Windows, forkserver on Linux from Python 3.14)",
                          cause=SPAWN)
    want = expected(600_000)
    ok = isinstance(result, dict) and result.get("items") == want["items"] \
        and result.get("max") == want["max"]
    feedback.check(ok, f"crunch() under {method} returned a wrong result.",
                   measured=clip(repr(result), 200),
                   expected=f"items {want['items']}, max {want['max']!r}", cause=SPAWN)
    check_did_the_work(feedback, cpu, seq_cpu(600_000), result, 600_000, what)
    guard.check_no_leaks(expected="every worker stopped before crunch() returns", cause=LEAK)
