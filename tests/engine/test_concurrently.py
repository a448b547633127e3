"""concurrently.run_all: gradings at once, in order, one error stops the rest, and Ctrl-C
at any moment sets `cancel` and waits for what runs."""
from __future__ import annotations

import _thread
import threading
import time

import pytest

from autograder import concurrently


def test_results_come_back_in_the_order_of_the_calls():
    cancel = threading.Event()

    def slow():
        time.sleep(0.2)
        return "slow"
    futures = concurrently.run_all([slow, lambda: "fast"], cancel=cancel)
    assert [f.result() for f in futures] == ["slow", "fast"]
    assert not cancel.is_set() and concurrently.first_error(futures) is None


def test_the_first_error_stops_the_others():
    cancel = threading.Event()
    stopped = []

    def waits():
        stopped.append(cancel.wait(5))
        return "stopped"

    def fails():
        raise ValueError("boom")
    started = time.monotonic()
    futures = concurrently.run_all([waits, fails], cancel=cancel)
    assert time.monotonic() - started < 2 and stopped == [True]
    assert isinstance(concurrently.first_error(futures), ValueError)


def test_without_stop_on_error_the_others_finish():
    cancel = threading.Event()
    futures = concurrently.run_all([lambda: 1 / 0, lambda: (time.sleep(0.2), "done")[1]],
                                   cancel=cancel, stop_on_error=False)
    assert not cancel.is_set() and futures[1].result() == "done"
    assert isinstance(concurrently.first_error(futures), ZeroDivisionError)


@pytest.mark.parametrize("when", ["while submitting", "while waiting"])
def test_ctrl_c_sets_cancel_and_waits_for_what_runs(when, sigint_handled):
    """A Ctrl-C that lands while the second call is still being handed to the pool
    (found by a helper's reproducer: the old run_all let it escape with cancel unset)
    and one that lands while the caller waits: cancel is set, and every call that runs
    has seen it before KeyboardInterrupt reaches the caller."""
    cancel = threading.Event()
    saw: list[bool] = []

    def press_then_wait():
        if when == "while submitting":
            _thread.interrupt_main()
        else:
            threading.Timer(0.3, _thread.interrupt_main).start()
        saw.append(cancel.wait(5))

    def wait():
        saw.append(cancel.wait(5))
    with pytest.raises(KeyboardInterrupt):
        concurrently.run_all([press_then_wait, wait], cancel=cancel, stop_on_error=False)
    assert cancel.is_set()
    assert saw and all(saw)          # what ran saw the cancel; what never started did not run
