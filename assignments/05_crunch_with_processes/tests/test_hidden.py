"""Assignment 5, hidden tests: the same behaviours with other sizes and arguments.

Never shipped to students; `make grade` runs them, `make check` does not.
"""
from __future__ import annotations

import pytest
from crunch_support import check_did_the_work, check_results, seq_cpu

from autograder.checks import clip

pytestmark = pytest.mark.visibility("after_published")


@pytest.mark.points(1)
@pytest.mark.parametrize("n_items, chunk_size, workers",
                         [(12_345, 1000, 3), (5, 2, 2), (1, 100_000, 2)],
                         ids=["12345_items_chunks_of_1000", "5_items_chunks_of_2",
                              "1_item"])
def test_other_sizes(crunch, guard, feedback, n_items, chunk_size, workers):
    """right results for other sizes: uneven last chunks, a single item"""
    result = guard.call(crunch, n_items, chunk_size=chunk_size, max_workers=workers,
                        deadline=15, what=f"crunch({n_items}, chunk_size={chunk_size}, "
                                          f"max_workers={workers})")
    check_results(feedback, result, n_items, chunk_size)


@pytest.mark.points(2)
def test_many_uneven_chunks(crunch, guard, feedback):
    """400000 items in chunks of 30001: sum and average as exact as math.fsum allows"""
    result = guard.call(crunch, 400_000, chunk_size=30_001, max_workers=2, deadline=20,
                        what="crunch(400000, chunk_size=30001, max_workers=2)")
    check_results(feedback, result, 400_000, 30_001)


@pytest.mark.points(1)
def test_default_arguments(crunch, guard, feedback):
    """crunch(30000) with the default chunk_size and max_workers"""
    result = guard.call(crunch, 30_000, deadline=15, what="crunch(30000)")
    check_results(feedback, result, 30_000)


@pytest.mark.points(2)
def test_max_workers_respected(crunch, guard, workers_cpu, feedback):
    """max_workers=1 and max_workers=3: never more worker processes alive at once"""
    for workers, n_items, chunk_size in ((1, 600_000, 40_000), (3, 660_000, 44_000)):
        what = f"crunch({n_items}, chunk_size={chunk_size}, max_workers={workers})"
        with workers_cpu() as cpu:
            result = guard.call(crunch, n_items, chunk_size=chunk_size, max_workers=workers,
                                deadline=20, what=what)
        check_did_the_work(feedback, cpu, seq_cpu(n_items), result, n_items, what)
        feedback.measure(f"worker processes alive at once with max_workers={workers} "
                         f"(at most)", cpu.peak, expected=f"<= {workers}")
        feedback.measure(f"worker processes seen in all with max_workers={workers}",
                         len(cpu.workers()))
        feedback.check(cpu.peak <= workers,
                       f"crunch() had {cpu.peak} worker processes alive at once with "
                       f"max_workers={workers}.",
                       measured=f"{cpu.peak} alive at the same moment; {cpu.text()}",
                       expected=f"at most {workers} worker processes at any moment",
                       cause="max_workers was not passed on to the pool "
                             "(ProcessPoolExecutor(max_workers=...), Pool(processes=...)), "
                             "or more processes were started beside it")


@pytest.mark.points(1)
def test_bad_arguments_other_values(crunch, guard, feedback):
    """n_items = -1000000 and chunk_size = -1 raise ValueError too"""
    for n_items, chunk_size in ((-1_000_000, 100), (500, -1)):
        call = f"crunch({n_items}, chunk_size={chunk_size})"
        try:
            result = guard.call(crunch, n_items, chunk_size=chunk_size, max_workers=2,
                                deadline=10, what=call)
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001 - the wrong type is the finding
            feedback.fail(f"{call} raised {type(exc).__name__}, not ValueError.",
                          measured=clip(f"{type(exc).__name__}: {exc}", 200), expected="ValueError",
                          cause="check the arguments first and raise ValueError")
        feedback.fail(f"{call} returned instead of raising ValueError.",
                      measured=f"returned {result!r:.120}", expected="ValueError",
                      cause="the contract says n_items < 0 or chunk_size < 1 raise "
                            "ValueError: check the arguments at the top of crunch")
