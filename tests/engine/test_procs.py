"""autograder.checks.procs: evidence of what a process pool did, across processes."""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os

import pytest

from autograder.checks import hygiene
from autograder.checks.procs import (CallLog, WorkerError, calibrate_spin, fail_on, pause,
                                     spin, start_method, tiny)
from autograder.checks.timing import now

METHODS = multiprocessing.get_all_start_methods()


@pytest.mark.parametrize("method", METHODS)
def test_calls_from_workers_are_logged_under_every_start_method(method, call_log):
    """Two workers each waiting 0.3 s: two PIDs, overlapping; nothing left behind."""
    func = call_log(pause)
    before = hygiene.snapshot()
    with start_method(method):
        assert multiprocessing.get_start_method() == method
        with cf.ProcessPoolExecutor(2) as pool:
            results = list(pool.map(func, [0.3, 0.3]))
    assert results == [0.3, 0.3]
    assert func.count == 2
    assert len(func.worker_pids) == 2 and os.getpid() not in func.pids
    assert func.max_overlap() == 2
    assert not hygiene.leaks_since(before, grace=1.0), "pool workers or helpers reported"


def test_calls_in_this_process_are_logged_too(call_log):
    func = call_log(tiny)
    assert [func(x) for x in range(3)] == [1, 3, 5]
    assert func.pids == {os.getpid()} and func.worker_pids == set()
    assert func.max_overlap() == 1
    assert all(c.end >= c.start for c in func.calls())


@pytest.mark.parametrize("chunksize, tasks", [(1, 200), (50, 4), (200, 1)])
def test_pickles_count_the_tasks_a_pool_ships(chunksize, tasks, call_log):
    func = call_log(tiny, log=False)
    with cf.ProcessPoolExecutor(2) as pool:
        assert list(pool.map(func, range(200), chunksize=chunksize)) == [tiny(x) for x in range(200)]
    assert func.pickles == tasks
    assert func.count == 0                      # log=False: no file, nothing recorded


def test_one_submit_per_item_ships_one_task_per_item(call_log):
    func = call_log(tiny, log=False)
    with cf.ProcessPoolExecutor(2) as pool:
        futures = [pool.submit(func, x) for x in range(30)]
        assert [f.result() for f in futures] == [tiny(x) for x in range(30)]
    assert func.pickles == 30


def test_multiprocessing_pool_is_counted_too(call_log):
    func = call_log(tiny, log=False)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(func, range(100), chunksize=25) == [tiny(x) for x in range(100)]
    assert func.pickles == 4


def test_worker_exception_keeps_its_type():
    with cf.ProcessPoolExecutor(2) as pool:
        with pytest.raises(WorkerError) as info:
            list(pool.map(fail_on(frozenset({3})), range(6)))
    assert info.value.args == (3,)


def test_start_method_is_restored_and_unknown_refused():
    before = multiprocessing.get_start_method(allow_none=True)
    with start_method("spawn"):
        assert multiprocessing.get_start_method() == "spawn"
    assert multiprocessing.get_start_method(allow_none=True) == before
    with pytest.raises(ValueError, match="not available"):
        with start_method("teleport"):
            pass


def test_wrappers_look_like_the_function_they_wrap():
    """Code that reads func.__name__ / __doc__ (a keyword guesser) sees the workload,
    not the grader's wrapper and its docstring full of lesson keywords."""
    from autograder.checks.tracking import CallTracker

    def task_7(x):
        return x
    for wrapper in (CallLog(task_7, log=False), CallTracker(task_7)):
        assert wrapper.__name__ == "task_7" and wrapper.__doc__ is None
    assert CallLog(spin, log=False).__doc__ == spin.__doc__


def test_close_removes_the_log():
    func = CallLog(tiny)
    func(1)
    assert os.path.exists(func.path)
    func.close()
    assert not os.path.exists(func.path) and func.calls() == []


def test_calibrate_spin_is_about_right():
    n = calibrate_spin(0.05)
    start = now()
    spin(n)
    took = now() - start
    assert 0.01 < took < 0.5          # the right order of magnitude on a noisy machine
    assert spin(1000) == spin(1000)


def test_multiprocessing_helpers_are_not_leaks():
    assert hygiene.is_multiprocessing_helper(
        ["python", "-I", "-c", "from multiprocessing.resource_tracker import main;main(7)"])
    assert hygiene.is_multiprocessing_helper(
        ["python", "-c", "from multiprocessing.forkserver import main; main(8, 9, ['__main__'])"])
    assert not hygiene.is_multiprocessing_helper(["python", "worker.py"])
