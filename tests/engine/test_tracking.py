"""autograder.checks.tracking: CallTracker, max_overlap, exactly_once."""
from __future__ import annotations

import threading

import pytest

from autograder.checks.tracking import CallTracker, Ledger, exactly_once, max_overlap


def _in_threads(n, target):
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_peak_and_thread_count_of_n_threads_meeting_at_a_barrier(n):
    barrier = threading.Barrier(n)
    tracker = CallTracker(lambda x: (barrier.wait(5), x * 10)[1])
    results = {}
    _in_threads(n, lambda i: results.__setitem__(i, tracker(i)))
    assert results == {i: i * 10 for i in range(n)}             # return values pass through
    assert tracker.peak == n and tracker.max_overlap() == n
    assert tracker.thread_count == n and tracker.count == n
    assert sorted(tracker.args) == list(range(n))
    assert tracker.in_flight == 0
    assert all(c.end is not None and c.end >= c.start for c in tracker.calls)
    assert tracker.first_start <= tracker.last_end


def test_sequential_calls_have_peak_one():
    tracker = CallTracker()                                     # identity by default
    assert [tracker(x) for x in "abc"] == ["a", "b", "c"]
    assert tracker.peak == 1 and tracker.max_overlap() == 1 and tracker.thread_count == 1
    assert tracker.pids == {__import__("os").getpid()}


def test_errors_are_recorded_and_reraised():
    class Boom(Exception):
        pass

    def handle(x):
        if x % 2:
            raise Boom(x)
        return x

    tracker = CallTracker(handle)
    raised = []
    for x in range(4):
        try:
            tracker(x)
        except Boom as exc:
            raised.append(exc.args[0])
    assert raised == [1, 3]
    errors = {c.arg: c.error for c in tracker.calls if c.error is not None}
    assert set(errors) == {1, 3} and all(isinstance(e, Boom) for e in errors.values())
    assert [c.result for c in tracker.calls] == [0, None, 2, None]
    assert tracker.in_flight == 0 and all(c.end is not None for c in tracker.calls)


def test_an_unfinished_call_counts_as_open_forever():
    gate = threading.Event()
    tracker = CallTracker(lambda x: gate.wait(5))
    t = threading.Thread(target=tracker, args=(1,))
    t.start()
    try:
        while tracker.in_flight == 0:
            gate.wait(0.001)
        assert tracker.last_end is None and tracker.max_overlap() == 1
        assert tracker.in_flight == 1 and tracker.peak == 1
    finally:
        gate.set()
        t.join(5)
    assert tracker.in_flight == 0


@pytest.mark.parametrize("intervals, expected", [
    ([], 0),
    ([(0, 1)], 1),
    ([(0, 1), (1, 2), (2, 3)], 1),                 # touching intervals do not overlap
    ([(0, 1), (0.999, 2)], 2),
    ([(0, 10), (1, 2), (3, 4), (5, 6)], 2),
    ([(0, 4), (1, 5), (2, 6), (3, 7)], 4),
    ([(0, 4), (1, 5), (4, 6), (5, 7)], 2),
    ([(0, 1), (0, 1), (0, 1)], 3),                 # identical intervals all overlap
    ([(0, float("inf")), (5, 6)], 2),
])
def test_max_overlap(intervals, expected):
    assert max_overlap(intervals) == expected
    assert max_overlap(list(reversed(intervals))) == expected


def test_exactly_once_all_good():
    ledger = exactly_once([3, 1, 2], [1, 2, 3])
    assert ledger.ok and ledger == Ledger([], [], [])
    assert ledger.text() == "every item handled exactly once"


def test_exactly_once_lost_repeated_unexpected_with_duplicates_and_none():
    ledger = exactly_once(expected=[1, 1, 2, None, None, "a"],
                          seen=[1, 2, 2, 2, None, "b", "b", 0])
    assert ledger.lost == [1, None, "a"]
    assert ledger.repeated == [2, 2]
    assert sorted(map(repr, ledger.unexpected)) == sorted(map(repr, ["b", "b", 0]))
    assert not ledger.ok
    text = ledger.text("value")
    assert "3 value(s) never handled: [1, None, 'a']" in text
    assert "2 value(s) handled more than once: [2, 2]" in text
    assert "3 value(s) handled that were never given" in text


def test_exactly_once_none_is_an_ordinary_item():
    assert exactly_once([None], [None]).ok
    assert exactly_once([None], []).lost == [None]
    assert exactly_once([], [None]).unexpected == [None]
    assert exactly_once([None], [None, None]).repeated == [None]


def test_ledger_text_previews_long_lists():
    text = exactly_once(range(10), []).text()
    assert "10 item(s) never handled: [0, 1, 2, 3, 4, 5, ...]" in text
