"""The race of assignment 4's run_best tests: run_best against the three strategies a
student could have picked, timed by the judge in the same interleaved rounds until it is
plain whether run_best is near the best of them.

Every round after a warm-up gives one margin, what was allowed in that round over what
run_best took (the allowance: `factor` x that round's best strategy, what sampling three
items costs, a small slack, and what a call into the student's process costs in that
round when the caller times one). Rounds stop when the margins' 95% interval is clear of
1 (autograder/checks/confidence.py): two or three for a plain answer, up to MAX_ROUNDS
for a close one; still undecided then, run_best passes on the benefit of the doubt and
the instructor's report flags it. One slow moment of the machine falls on one round,
where every runner shares it; no probe taken at another moment decides anything.
"""
from __future__ import annotations

import dataclasses
import statistics
from typing import Callable

from workloads import STRATEGY_NAMES, YOURS, ms

from autograder.checks import timing
from autograder.checks.confidence import BORDERLINE, FAILED, Sequential, geometric_mean

CALL = "a call that does nothing"   # the transport to the student's process, timed alike
MAX_ROUNDS = 9


@dataclasses.dataclass
class Race:
    """The rounds of a race: every runner's times (the warm-up round first) and the
    decided rounds' allowances for run_best."""

    times: dict[str, list[float]]
    rounds: Sequential
    allowed: list[float]
    sampling: float
    slack: float
    factor: float

    @property
    def strategies(self) -> dict[str, float]:
        """Each strategy's median (the three runs a student could have picked)."""
        return {n: statistics.median(t) for n, t in self.times.items() if n not in (YOURS, CALL)}

    @property
    def yours(self) -> float:
        """run_best's typical time over the decided rounds (geometric mean)."""
        return geometric_mean(self.times[YOURS][1:])

    @property
    def limit(self) -> float:
        return geometric_mean(self.allowed)


def race(runners: dict[str, Callable[[], object]], *, n_items: int, factor: float = 1.6,
         slack: float = 0.02, far: float | None = 3.0, max_rounds: int = MAX_ROUNDS) -> Race:
    """Time every runner (YOURS among them; CALL too, if given) until run_best is plainly
    within, or plainly beyond, `factor` x the best strategy + sampling + `slack` (+ CALL).

    The first round warms everything up (a first call imports and allocates) and is shown
    but not judged; a strategy more than `far` times slower than the fastest in it is out
    of the running and is not repeated. far=None repeats every runner."""
    warm = {name: timing.time_call(fn) for name, fn in runners.items()}
    fastest = min(warm.values())
    kept = {n: fn for n, fn in runners.items()
            if far is None or n in (YOURS, CALL) or warm[n] <= far * fastest + 0.002}
    allowed: list[float] = []
    loop = STRATEGY_NAMES["sequential"]

    def margin(t: dict[str, float]) -> float:
        best = min(v for n, v in t.items() if n not in (YOURS, CALL))
        sampling = 3 * t.get(loop, warm[loop]) / max(1, n_items)
        allowed.append(factor * best + sampling + slack + t.get(CALL, 0.0))
        return allowed[-1] / max(t[YOURS], 1e-9)

    later, rounds = timing.decide_rounds(kept, margin, max_rounds=max_rounds)
    times = {n: [warm[n]] + later.get(n, []) for n in runners}
    sampling = 3 * statistics.median(times[loop]) / max(1, n_items)
    return Race(times, rounds, allowed, sampling, slack, factor)


def race_text(times: dict[str, list[float]]) -> str:
    """Every runner's runs and median, and a bar chart of the medians."""
    width = max(len(n) for n in times)
    lines = [f"  {name.ljust(width)}  median {ms(statistics.median(ts)):>10}   runs: "
             + ", ".join(ms(t) for t in ts)
             for name, ts in times.items()]
    return "\n".join(lines) + "\n" + timing.bars(
        {n: statistics.median(ts) for n, ts in times.items()})


def near_best(feedback, run: Race, *, what: str) -> None:
    """Fail unless the race's rounds put run_best plainly within its allowance; a race too
    close to call passes, flagged for the instructor."""
    strategies = run.strategies
    best_name = min(strategies, key=strategies.get)
    best = strategies[best_name]
    mine, limit = run.yours, run.limit
    rounds = run.rounds
    feedback.measure(f"run_best ({what}), typical of {len(rounds.margins)} interleaved rounds",
                     ms(mine), expected=f"<= {ms(limit)}")
    feedback.measure(f"best strategy: {best_name}", ms(best))
    if CALL in run.times:
        feedback.measure("the cost of a call that does nothing, with these items, same rounds",
                         ms(statistics.median(run.times[CALL])))
    outcome = rounds.outcome
    if outcome == BORDERLINE:
        feedback.flag(f"borderline: run_best took {ms(mine)} against {ms(limit)} allowed "
                      f"({rounds.text()}; passed on the benefit of the doubt)")
    if outcome != FAILED:
        feedback.note(race_text(run.times))
        return
    call = (f" + {ms(statistics.median(run.times[CALL]))} for a call into your process"
            if CALL in run.times else "")
    slower = min(strategies.values(), key=lambda v: abs(v - mine))
    like = next(k for k, v in strategies.items() if v == slower)
    feedback.fail(
        f"run_best() took {mine / best:.1f}x as long as the best strategy ({best_name}) for {what}.",
        measured=f"run_best {ms(mine)}, {best_name} {ms(best)} ({rounds.text()}; every run, "
                 f"interleaved, the first a warm-up:)\n" + race_text(run.times),
        expected=f"at most {run.factor:g} x {ms(best)} + {ms(run.sampling)} for sampling "
                 f"+ {ms(run.slack)}" + call + f" = {ms(limit)} (typical of the rounds)",
        cause=f"run_best ran about as slowly as the {like}: " + _slow_cause(best_name, like))


def _slow_cause(best: str, like: str) -> str:
    if best == STRATEGY_NAMES["threads"]:
        return ("this work waits (the GIL's 'key' is handed on while it waits), so threads "
                "overlap the waits; a plain loop waits for each item in turn, and a process "
                "pool has only one worker per core to wait with. Check what choose_executor "
                "picks, and that run_best really runs that way (enough threads).")
    if best == STRATEGY_NAMES["sequential"]:
        return ("the whole job is smaller than the cost of starting a pool ('Is it worth "
                "parallelizing? (>0.1s total work)'): starting threads or processes and "
                "handing them tiny items costs more than the work. Stay sequential.")
    return ("this is thinking work: only separate processes (each with its own interpreter "
            "and GIL) run it in parallel.")
