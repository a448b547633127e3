"""Timing that gives stable verdicts on small, shared, noisy machines.

Rules this module enforces (see README, "Timing verdicts"):

* Clocks are captured when this module is imported, before any student code runs, so a
  submission that replaces `time.perf_counter` does not change what we measure.
* A speedup is never a fixed wall-clock threshold: the student's run is measured against
  a baseline in the same process, interleaved (B C, C B, B C ...) and repeated; each
  round gives one ratio and the verdict is on the rounds' typical (geometric mean) ratio.
* The speedup required is derived from the parallelism actually available: CPU affinity
  and the cgroup CPU quota (cpus.py; Gradescope gives 0.5 vCPU by default) and, for
  CPU-bound work, what the grader's own known-good pool reaches in the same rounds
  (`judge_with_yardstick`): a busy neighbour lowers the bar for both alike. When the
  machine cannot show parallelism, the verdict is "inconclusive" and the caller decides on
  structural evidence (peak in-flight calls, the kernel's CPU time per process): a student
  is never failed for the machine.
* Rounds go on until the answer is clear (`decide_rounds`, confidence.py): two for a plain
  answer, more for a close one; still undecided, it passes as *borderline* and
  `SpeedupVerdict.flag` tells the instructor.
"""
from __future__ import annotations

import contextlib
import dataclasses
import statistics
import time
from collections.abc import Callable

from .confidence import BORDERLINE, FAILED, Sequential, geometric_mean
from .cpus import CpuBudget, cpu_budget

# Trusted clocks: references taken at import time.
_perf_counter = time.perf_counter
_sleep = time.sleep


def now() -> float:
    """Seconds from a monotonic high-resolution clock the student's code cannot replace."""
    return _perf_counter()


def sleep(seconds: float) -> None:
    """A sleep the student's code cannot replace (used by test doubles that simulate I/O)."""
    _sleep(seconds)


# --------------------------------------------------------------- measuring runs

@dataclasses.dataclass
class Comparison:
    """Wall times of a baseline and a candidate, measured interleaved in one run."""

    baseline_name: str
    candidate_name: str
    baseline: list[float]
    candidate: list[float]

    @property
    def speedup(self) -> float:
        """Median baseline time / median candidate time (>1: the candidate is faster)."""
        return statistics.median(self.baseline) / max(statistics.median(self.candidate), 1e-9)

    @property
    def typical_speedup(self) -> float:
        """The geometric mean of each round's baseline/candidate ratio (the rounds'
        verdict is on these, confidence.py)."""
        return geometric_mean(_ratios({"b": self.baseline, "c": self.candidate}, "b", "c"))

    @property
    def best_speedup(self) -> float:
        return min(self.baseline) / max(min(self.candidate), 1e-9)

    def text(self) -> str:
        def fmt(xs):
            return ", ".join(seconds(x) for x in xs)
        base, cand = statistics.median(self.baseline), statistics.median(self.candidate)
        return (f"{self.baseline_name}: median {seconds(base)} [{fmt(self.baseline)}]\n"
                f"{self.candidate_name}: median {seconds(cand)} [{fmt(self.candidate)}]\n"
                f"speedup {self.speedup:.2f}x (best pair {self.best_speedup:.2f}x)\n"
                + bars({self.baseline_name: base, self.candidate_name: cand}))


def time_call(fn: Callable[[], object]) -> float:
    """Wall time of fn(), with the test's worker frozen (grading/worker.py,
    Session.frozen), so the judge's own runs compete with nothing the student's code left
    running; a call of the student's inside fn runs as usual."""
    from ..grading import current
    session = current.session()
    with session.frozen() if session is not None else contextlib.nullcontext():
        start = now()
        fn()
        return now() - start


def interleave(runs: dict[str, Callable[[], object]], repeats: int = 3) -> dict[str, list[float]]:
    """{name: [seconds, ...]}: every run timed `repeats` times in rounds, the order
    reversed every other round (A B C, C B A, A B C), so drift in the machine's load
    falls on all of them alike."""
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeats):
        for name in (names if i % 2 == 0 else names[::-1]):
            times[name].append(time_call(runs[name]))
    return times


def describe(times: dict[str, list[float]]) -> str:
    """Every run's median and times, then a bar chart of the medians."""
    lines = [f"{name}: median {seconds(statistics.median(t))} [{', '.join(seconds(x) for x in t)}]"
             for name, t in times.items()]
    return "\n".join(lines) + "\n" + bars({n: statistics.median(t) for n, t in times.items()})


def compare(candidate: Callable[[], object], baseline: Callable[[], object], *,
            repeats: int = 3, candidate_name: str = "your code",
            baseline_name: str = "baseline") -> Comparison:
    """Time both, alternating which goes first, `repeats` times each."""
    times = interleave({baseline_name: baseline, candidate_name: candidate}, repeats)
    return Comparison(baseline_name, candidate_name, times[baseline_name], times[candidate_name])


def seconds(value: float) -> str:
    """'1.234s', or '12.3ms' below a tenth of a second (tiny runs do not show as 0.000s)."""
    return f"{value:.3f}s" if value >= 0.1 else f"{value * 1000:.1f}ms"


def bars(values: dict[str, float], width: int = 40) -> str:
    """A small terminal bar chart of named durations."""
    top = max(values.values()) or 1.0
    label_w = max(len(k) for k in values)
    out = []
    for name, v in values.items():
        n = max(1, round(width * v / top))
        out.append(f"  {name.ljust(label_w)} {'#' * n} {seconds(v)}")
    return "\n".join(out)


# ------------------------------------------------------------------- verdicts

@dataclasses.dataclass
class SpeedupVerdict:
    """passed is None when the machine cannot show the speedup: decide on structure."""

    passed: bool | None
    measured: float
    required: float
    parallelism: float
    explanation: str
    borderline: bool = False    # still undecided when the rounds ran out: passed, flagged
    rounds: int = 0             # interleaved rounds timed (0: the caller's Comparison)

    @property
    def flag(self) -> str | None:
        """What the instructor's report says of a borderline pass, else None."""
        if not self.borderline:
            return None
        return (f"borderline: measured {self.measured:.2f}x, needed {self.required:.2f}x "
                f"({self.rounds} rounds could not tell them apart; passed on the benefit "
                f"of the doubt)")

    @property
    def inconclusive(self) -> bool:
        return self.passed is None


def required_speedup(parallelism: float, efficiency: float = 0.5) -> float:
    """The speedup a correct solution shows with `parallelism` units of real overlap.

    Half of the ideal gain, so noise on a 2-core machine cannot fail a correct
    solution: 2 workers -> 1.5x, 3 -> 2.0x, 5 -> 3.0x.
    """
    return 1.0 + efficiency * (max(parallelism, 1.0) - 1.0)


# Below this much CPU-bound parallelism no speedup can be told from noise: inconclusive.
MIN_PARALLELISM = 1.25


def available(workers: int, cpu_bound: bool, cpus: CpuBudget,
              capacity: float | None = None) -> float:
    """The parallelism `workers` can show: the worker count for waiting work; for
    thinking work capped by the CPUs (affinity, cgroup quota) and by `capacity`, what the
    grader's own pool reached right now."""
    if not cpu_bound:
        return float(workers)
    return min(float(workers), cpus.effective, capacity if capacity is not None else workers)


def judge_speedup(comparison: Comparison, *, workers: int, cpu_bound: bool,
                  cpus: CpuBudget | None = None, capacity: float | None = None,
                  efficiency: float = 0.5) -> SpeedupVerdict:
    """Is `comparison.speedup` what `workers` parallel workers should give here?

    For waiting work (sleeps, mocked I/O) cores do not matter: the parallelism is the
    worker count. For thinking work it is capped by the CPUs available (affinity,
    cgroup quota) and by `capacity`, the measured parallel capacity right now.
    """
    cpus = cpus or cpu_budget()
    parallelism = available(workers, cpu_bound, cpus, capacity)
    required = required_speedup(parallelism, efficiency)
    measured = comparison.speedup
    expectation = (f"at least {required:.2f}x with {workers} worker(s)"
                   + (f" on {cpus.describe()}" if cpu_bound else ""))
    if cpu_bound and parallelism < MIN_PARALLELISM:
        why = _cannot_show(parallelism, cpus, "" if capacity is None
                           else f"measured parallel capacity {capacity:.2f}")
        return SpeedupVerdict(None, measured, required, parallelism, why)
    passed = measured >= required
    explanation = f"measured {measured:.2f}x, expected {expectation}"
    return SpeedupVerdict(passed, measured, required, parallelism, explanation)


def _cannot_show(parallelism: float, cpus: CpuBudget, detail: str = "") -> str:
    return (f"this machine can run only {parallelism:.2f} CPU-bound worker(s) at once right now "
            f"({cpus.describe()}" + (f", {detail}" if detail else "")
            + "), so no process pool can show a speedup here; the verdict rests on the "
            "structural evidence (distinct worker processes, overlapping work).")


# ------------------------------------------------- rounds until the answer is clear

MAX_ROUNDS = 9


def decide_rounds(runs: dict[str, Callable[[], object]],
                  margin: Callable[[dict[str, float]], float], *, max_rounds: int = MAX_ROUNDS,
                  min_rounds: int = 2, budget: float | None = None,
                  stop: Callable[[], bool] | None = None,
                  ) -> tuple[dict[str, list[float]], Sequential]:
    """Interleaved rounds (as `interleave`: the order reversed every other round) until
    the margins `margin(this round's times)` are clear of 1 (confidence.py), `stop()` says
    so, `max_rounds` are done, or another round would pass `budget` seconds."""
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    rounds = Sequential(min_rounds=min_rounds, max_rounds=max_rounds)
    start = now()
    while not rounds.spent:
        i = len(rounds.margins)
        for name in (names if i % 2 == 0 else names[::-1]):
            times[name].append(time_call(runs[name]))
        if rounds.add(margin({n: t[-1] for n, t in times.items()})) is not None:
            break
        if stop is not None and stop():
            break
        if budget is not None and (now() - start) * (i + 2) / (i + 1) > budget:
            break
    return times, rounds


def _ratios(times: dict[str, list[float]], top: str, bottom: str) -> list[float]:
    return [t / max(b, 1e-9) for t, b in zip(times[top], times[bottom])]


def decided(rounds: Sequential, measured: float, required: float, parallelism: float,
            expectation: str) -> SpeedupVerdict:
    """The verdict of rounds that `decide_rounds` timed (a borderline one passes)."""
    n = len(rounds.margins)
    outcome = rounds.outcome
    explanation = (f"measured {measured:.2f}x over {n} interleaved round(s), expected "
                   f"{expectation}")
    if outcome == BORDERLINE:
        explanation += (f"; too close to tell apart ({rounds.text()}): counted as passed, "
                        f"and flagged for the instructor")
    return SpeedupVerdict(outcome != FAILED, measured, required, parallelism, explanation,
                          borderline=outcome == BORDERLINE, rounds=n)


def measure_speedup(candidate: Callable[[], object], baseline: Callable[[], object], *,
                    workers: int, cpu_bound: bool = False, candidate_name: str = "your code",
                    baseline_name: str = "baseline", max_rounds: int = MAX_ROUNDS,
                    budget: float | None = None, cpus: CpuBudget | None = None,
                    efficiency: float = 0.5) -> tuple[Comparison, SpeedupVerdict]:
    """`compare` and `judge_speedup` in one, with as many rounds as the answer needs:
    two when it is plain, up to `max_rounds` when it is close (then borderline)."""
    cpus = cpus or cpu_budget()
    parallelism = available(workers, cpu_bound, cpus)
    required = required_speedup(parallelism, efficiency)
    unable = cpu_bound and parallelism < MIN_PARALLELISM
    times, rounds = decide_rounds(
        {baseline_name: baseline, candidate_name: candidate},
        lambda t: t[baseline_name] / max(t[candidate_name], 1e-9) / required,
        max_rounds=2 if unable else max_rounds, budget=budget)
    cmp = Comparison(baseline_name, candidate_name, times[baseline_name], times[candidate_name])
    measured = geometric_mean(_ratios(times, baseline_name, candidate_name))
    if unable:
        return cmp, SpeedupVerdict(None, measured, required, parallelism,
                                   _cannot_show(parallelism, cpus), rounds=len(rounds.margins))
    expectation = (f"at least {required:.2f}x with {workers} worker(s)"
                   + (f" on {cpus.describe()}" if cpu_bound else ""))
    return cmp, decided(rounds, measured, required, parallelism, expectation)


# ---------------------------------------------- judged against a known-good run

@dataclasses.dataclass
class YardstickVerdict:
    """The outcome of `judge_with_yardstick`."""

    times: dict[str, list[float]]     # every run's seconds, in the names given
    comparison: Comparison            # baseline vs candidate
    yardstick: Comparison             # baseline vs the grader's known-good run
    verdict: SpeedupVerdict
    capacity: float                   # the parallelism the verdict was judged with
    structural: bool                  # the caller's evidence that the work ran in parallel
    evidence: list                    # what the candidate returned, every round
    notes: list[str]                  # how the rounds went, for feedback.note


def judge_with_yardstick(*, baseline: Callable[[], object], candidate: Callable[[], object],
                         yardstick: Callable[[], object], names: tuple[str, str, str],
                         workers: int, structural: Callable[[list], bool],
                         attempts: int = 3, cpus: CpuBudget | None = None,
                         budget: float | None = None) -> YardstickVerdict:
    """A CPU-bound speedup judged against the grader's own known-good parallel run.

    The three runs are timed in the same interleaved rounds, and each round is judged
    against what the known-good run reached in it (the parallelism this machine gives
    right now, capped by the CPUs and `workers`), so a busy neighbour lowers the bar for
    both alike; no probe taken at another moment overrules it. Rounds go on until the
    candidate is clearly above or below the bar (`decide_rounds`; at most 3 x `attempts`
    rounds, and none that would end past `budget` seconds), or the known-good run is
    clearly unable to show parallelism: then the verdict is inconclusive and the caller
    decides on `structural(evidence)`, the kernel's evidence the candidate returned (a
    TreeCpu per round).
    """
    base_name, cand_name, good_name = names
    cpus = cpus or cpu_budget()
    machine = Sequential()          # the known-good run's speedup against MIN_PARALLELISM
    evidence: list = []

    def margin(t: dict[str, float]) -> float:
        good = t[base_name] / max(t[good_name], 1e-9)
        machine.add(good / MIN_PARALLELISM)
        bar = required_speedup(available(workers, True, cpus, good))
        return t[base_name] / max(t[cand_name], 1e-9) / bar

    unable = cpus.effective < MIN_PARALLELISM
    times, rounds = decide_rounds(
        {base_name: baseline, cand_name: lambda: evidence.append(candidate()),
         good_name: yardstick}, margin,
        max_rounds=2 if unable else 3 * attempts, budget=budget,
        stop=lambda: machine.state == FAILED)
    cmp = Comparison(base_name, cand_name, times[base_name], times[cand_name])
    good = Comparison(base_name, good_name, times[base_name], times[good_name])
    capacity = geometric_mean(_ratios(times, base_name, good_name))
    parallelism = available(workers, True, cpus, capacity)
    required = required_speedup(parallelism)
    measured = geometric_mean(_ratios(times, base_name, cand_name))
    if unable or machine.state == FAILED or parallelism < MIN_PARALLELISM:
        verdict = SpeedupVerdict(None, measured, required, parallelism,
                                 _cannot_show(parallelism, cpus, f"the grader's own pool reached "
                                              f"{capacity:.2f}x in the same rounds"),
                                 rounds=len(rounds.margins))
    else:
        verdict = decided(rounds, measured, required, parallelism,
                           f"at least {required:.2f}x, what {workers} workers give here "
                           f"(the grader's pool reached {capacity:.2f}x in the same rounds)")
    notes = [f"timed in {len(rounds.margins)} interleaved round(s): {rounds.text()}"]
    return YardstickVerdict(times, cmp, good, verdict, capacity, structural(evidence),
                            evidence, notes)
