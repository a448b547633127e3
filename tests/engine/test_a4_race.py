"""Assignment 4's race (racing.py): run_best against the three strategies, in rounds until
the answer is plain. The clock is scripted here (every runner says how long it took), so
each case is one exact sequence of rounds: a plain pass and a plain fail in two rounds, a
close race that runs out of rounds and passes flagged, and a slow moment of the transport
that raises the allowance in the round it falls on instead of failing the student."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from autograder.checks.feedback import Feedback, GradedFailure

TESTS = Path(__file__).resolve().parents[2] / "assignments" / "04_pick_the_executor" / "tests"
MS = 0.001


@pytest.fixture(scope="module")
def racing():
    sys.path.insert(0, str(TESTS))
    try:
        import racing
        yield racing
    finally:
        sys.path.remove(str(TESTS))
        for name in ("racing", "workloads"):       # the assignment's, not another's
            sys.modules.pop(name, None)


@pytest.fixture
def scripted(racing, monkeypatch):
    """Runners whose calls return how long they 'took': time_call just asks them."""
    from autograder.checks import timing
    monkeypatch.setattr(timing, "time_call", lambda fn: fn())

    def runners(yours, call=1.0, loop=0.8):
        def script(values):
            it = itertools.chain(values, itertools.repeat(values[-1])) \
                if isinstance(values, list) else itertools.repeat(values)
            return lambda: next(it) * MS
        names = racing.STRATEGY_NAMES
        return {names["sequential"]: script(loop), names["threads"]: script(8.0),
                names["processes"]: script(9.0), racing.CALL: script(call),
                racing.YOURS: script(yours)}
    return runners


def judged(racing, runners):
    run = racing.race(runners, n_items=500, slack=1.5 * MS)
    feedback = Feedback()
    try:
        racing.near_best(feedback, run, what="500 tiny items")
    except GradedFailure as failure:
        return run, feedback, failure.text()
    return run, feedback, None


def test_a_plain_pass_takes_two_rounds_after_the_warm_up(racing, scripted):
    run, feedback, failure = judged(racing, scripted([8.0, 1.8]))   # a first call imports
    assert failure is None and not feedback.flags
    assert len(run.rounds.margins) == 2
    assert run.times[racing.YOURS] == pytest.approx([8.0 * MS, 1.8 * MS, 1.8 * MS])


def test_strategies_far_behind_in_the_warm_up_are_not_run_again(racing, scripted):
    run, _, _ = judged(racing, scripted(1.8))
    assert len(run.times[racing.STRATEGY_NAMES["processes"]]) == 1
    assert len(run.times[racing.STRATEGY_NAMES["sequential"]]) == 3


def test_a_plain_fail_names_the_strategy_it_ran_like(racing, scripted):
    run, _, failure = judged(racing, scripted(9.3))
    assert failure is not None and len(run.rounds.margins) == 2
    assert "as long as the best strategy (sequential loop)" in failure
    assert "about as slowly as the ProcessPoolExecutor(chunksize)" in failure
    assert "1.0 ms for a call into your process" in failure


def test_a_race_too_close_to_call_passes_flagged(racing, scripted):
    # The allowance is 1.6 x 0.8 + 0.0048 + 1.5 + 1.0 = 3.78 ms; yours straddles it.
    run, feedback, failure = judged(racing, scripted([3.0, 3.0, 4.6] * 3 + [3.0]))
    assert failure is None
    assert len(run.rounds.margins) == racing.MAX_ROUNDS
    assert len(feedback.flags) == 1 and feedback.flags[0].startswith("borderline:")


def test_a_slow_transport_moment_raises_that_rounds_allowance(racing, scripted):
    # Round 2: every call into the student's process took 5 ms more; so did run_best.
    run, feedback, failure = judged(racing, scripted([8.0, 1.8, 6.8, 1.8],
                                                     call=[1.0, 1.0, 6.0, 1.0]))
    assert failure is None and not feedback.flags
    assert run.allowed[1] > 6.8 * MS


def test_run_best_always_a_little_over_its_allowance_fails(racing, scripted):
    run, _, failure = judged(racing, scripted(4.6))      # 1.2x the 3.78 ms allowed
    assert failure is not None
    assert "typical of the rounds" in failure
