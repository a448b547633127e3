"""Timing that gives stable verdicts on small, shared, noisy machines.

Rules this module enforces (see README, "Timing verdicts"):

* Clocks are captured when this module is imported, before any student code runs, so a
  submission that replaces `time.perf_counter` does not change what we measure.
* A speedup is never a fixed wall-clock threshold: the student's run is measured against
  a baseline in the same process, interleaved (B C, C B, B C ...) and repeated, and the
  verdict uses the median ratio.
* The speedup required is derived from the parallelism actually available: CPU affinity
  and the cgroup CPU quota (Gradescope gives 0.5 vCPU by default) for CPU-bound work,
  and, when a CPU-bound verdict is at stake, a quick probe of how much parallel work the
  machine can do right now. When the machine cannot show parallelism, the verdict is
  "inconclusive" and the caller decides on structural evidence (peak in-flight calls,
  distinct PIDs) instead: a student is never failed for the machine.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import statistics
import time
from pathlib import Path
from collections.abc import Callable

# Trusted clocks: references taken at import time.
_perf_counter = time.perf_counter
_sleep = time.sleep


def now() -> float:
    """Seconds from a monotonic high-resolution clock the student's code cannot replace."""
    return _perf_counter()


def sleep(seconds: float) -> None:
    """A sleep the student's code cannot replace (used by test doubles that simulate I/O)."""
    _sleep(seconds)


# --------------------------------------------------------------------------- CPUs

@dataclasses.dataclass(frozen=True)
class CpuBudget:
    """How much CPU this process may really use."""

    logical: int              # os.cpu_count()
    affinity: int             # CPUs this process may be scheduled on
    quota: float | None       # cgroup CPU quota in CPUs (None = unlimited)

    @property
    def effective(self) -> float:
        limits = [float(self.affinity)]
        if self.quota is not None:
            limits.append(self.quota)
        return max(min(limits), 0.01)

    def describe(self) -> str:
        text = f"{self.affinity} CPU(s) available to this process"
        if self.quota is not None:
            text += f", cgroup quota {self.quota:g} CPU(s)"
        return text + f" -> {self.effective:g} effective"


def _tightest_up(here: Path, top: Path, read) -> float | None:
    """The smallest quota `read(folder)` finds from `here` up to `top` (the tightest limit
    on the path from a cgroup to its hierarchy's root is the one that applies)."""
    best = None
    while True:
        try:
            cpus = read(here)
        except (OSError, ValueError):
            cpus = None
        if cpus is not None:
            best = cpus if best is None else min(best, cpus)
        if here == top or top not in here.parents:
            return best
        here = here.parent


def _v2_cpus(folder: Path) -> float | None:
    quota, period = (folder / "cpu.max").read_text().split()[:2]
    return None if quota == "max" else int(quota) / int(period)


def _v1_cpus(folder: Path) -> float | None:
    quota = int((folder / "cpu.cfs_quota_us").read_text())
    period = int((folder / "cpu.cfs_period_us").read_text())
    return quota / period if quota > 0 and period > 0 else None


def _cgroup_lines(proc_cgroup: Path) -> list[list[str]]:
    try:
        return [ln.split(":", 2) for ln in proc_cgroup.read_text().splitlines()]
    except OSError:
        return []


def _cgroup_v2_quota(proc_cgroup: Path, root: Path) -> float | None:
    rel = next((p[2] for p in _cgroup_lines(proc_cgroup) if len(p) == 3 and p[0] == "0"), None)
    return None if rel is None else _tightest_up(root / rel.lstrip("/"), root, _v2_cpus)


def _cgroup_v1_quota(root: Path, proc_cgroup: Path | None = None) -> float | None:
    """v1: the quota on our own cgroup path (a nested cgroup, e.g. a grader started in a
    limited cgroup on the host), else at the mount's root (what a container sees: its own
    cgroup is mounted as the root)."""
    for parts in _cgroup_lines(proc_cgroup) if proc_cgroup is not None else []:
        if len(parts) != 3 or "cpu" not in parts[1].split(","):
            continue
        for mount in (root / "cpu,cpuacct", root / "cpu"):
            if mount.is_dir():
                own = _tightest_up(mount / parts[2].lstrip("/"), mount, _v1_cpus)
                if own is not None:
                    return own
    for d in ("cpu,cpuacct", "cpu"):
        try:
            cpus = _v1_cpus(root / d)
        except (OSError, ValueError):
            continue
        if cpus is not None:
            return cpus
    return None


def cpu_budget(*, proc_cgroup: Path = Path("/proc/self/cgroup"),
               cgroup_root: Path = Path("/sys/fs/cgroup")) -> CpuBudget:
    logical = os.cpu_count() or 1
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        affinity = logical
    override = os.environ.get("CK_CPU_QUOTA")  # for tests of the kit and odd hosts
    if override:
        quota: float | None = float(override)
    else:
        quota = _cgroup_v2_quota(proc_cgroup, cgroup_root)
        if quota is None:
            quota = _cgroup_v1_quota(cgroup_root, proc_cgroup)
    return CpuBudget(logical=logical, affinity=affinity, quota=quota)


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


# ------------------------------------------------------ machine parallelism probe

def _spin(n: int) -> float:
    start = _perf_counter()
    x = 0
    for i in range(n):
        x += i * i
    return _perf_counter() - start


def parallel_capacity(workers: int = 2, seconds: float = 0.15) -> float:
    """How many CPU-bound processes this machine runs at full speed right now.

    Runs one spin loop alone, then `workers` copies at once in fresh processes, and
    returns workers * t_alone / t_together (1.0 = no parallelism at all). Cheap
    (~3 x `seconds`) and honest about a busy neighbour, which cgroup files cannot see.
    """
    import multiprocessing as mp

    n = 200_000
    while _spin(n) < seconds / 4 and n < 50_000_000:
        n *= 2
    n = int(n * (seconds / max(_spin(n), 1e-6)))
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with ctx.Pool(workers) as pool:
        pool.map(_spin, [1000] * workers)          # start-up outside the measurement
        alone = min(pool.apply(_spin, (n,)) for _ in range(2))
        start = _perf_counter()
        pool.map(_spin, [n] * workers, chunksize=1)
        together = _perf_counter() - start
    return max(0.01, workers * alone / together)


# ------------------------------------------------------------------- verdicts

@dataclasses.dataclass
class SpeedupVerdict:
    """passed is None when the machine cannot show the speedup: decide on structure."""

    passed: bool | None
    measured: float
    required: float
    parallelism: float
    explanation: str

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


def judge_speedup(comparison: Comparison, *, workers: int, cpu_bound: bool,
                  cpus: CpuBudget | None = None, capacity: float | None = None,
                  efficiency: float = 0.5) -> SpeedupVerdict:
    """Is `comparison.speedup` what `workers` parallel workers should give here?

    For waiting work (sleeps, mocked I/O) cores do not matter: the parallelism is the
    worker count. For thinking work it is capped by the CPUs available (affinity,
    cgroup quota) and by `capacity`, the measured parallel capacity right now.
    """
    cpus = cpus or cpu_budget()
    if cpu_bound:
        parallelism = min(float(workers), cpus.effective)
        if capacity is not None:
            parallelism = min(parallelism, capacity)
    else:
        parallelism = float(workers)
    required = required_speedup(parallelism, efficiency)
    measured = comparison.speedup
    expectation = (f"at least {required:.2f}x with {workers} worker(s)"
                   + (f" on {cpus.describe()}" if cpu_bound else ""))
    if cpu_bound and parallelism < MIN_PARALLELISM:
        why = (f"this machine can run only {parallelism:.2f} CPU-bound worker(s) at once right now "
               f"({cpus.describe()}"
               + (f", measured parallel capacity {capacity:.2f}" if capacity is not None else "")
               + "), so no process pool can show a speedup here; the verdict rests on the "
               "structural evidence (distinct worker processes, overlapping work).")
        return SpeedupVerdict(None, measured, required, parallelism, why)
    passed = measured >= required
    explanation = f"measured {measured:.2f}x, expected {expectation}"
    return SpeedupVerdict(passed, measured, required, parallelism, explanation)


# ---------------------------------------------- judged against a known-good run

# In a paired round, a candidate within this factor of the known-good run "kept up".
MATCHED = 1.15


@dataclasses.dataclass
class YardstickVerdict:
    """The outcome of `judge_with_yardstick` (the last attempt's numbers)."""

    times: dict[str, list[float]]     # every run's seconds, in the names given
    comparison: Comparison            # baseline vs candidate
    yardstick: Comparison             # baseline vs the grader's known-good run
    verdict: SpeedupVerdict
    capacity: float                   # the parallelism the verdict was judged with
    structural: bool                  # the caller's evidence that the work ran in parallel
    evidence: list                    # what the candidate returned, last attempt
    matched: bool                     # candidate kept up with the yardstick in some round
    notes: list[str]                  # what the attempts said, for feedback.note


def _kept(run: Callable[[], object], into: list) -> Callable[[], None]:
    """`run`, keeping what it returns in `into` (a fresh list each attempt)."""
    return lambda: into.append(run())


def judge_with_yardstick(*, baseline: Callable[[], object], candidate: Callable[[], object],
                         yardstick: Callable[[], object], names: tuple[str, str, str],
                         workers: int, structural: Callable[[list], bool],
                         attempts: int = 3) -> YardstickVerdict:
    """A CPU-bound speedup judged against the grader's own known-good parallel run.

    The three runs are timed in the same interleaved rounds. The capacity given to
    `judge_speedup` is what the known-good run reaches against the baseline here and now
    (and, when that is not enough to decide, the lower of it and `parallel_capacity()`),
    so a busy neighbour lowers the bar for both alike. `candidate()` returns its evidence
    (the kernel's TreeCpu, a call tracker); `structural(evidence)` says whether it shows parallel
    work. A conclusive miss with structural evidence is measured again, up to `attempts`
    times, and stops counting as soon as the candidate kept up with the known-good run
    in some round (the medians were the machine's noise).
    """
    base_name, cand_name, good_name = names
    notes: list[str] = []
    for attempt in range(1, attempts + 1):
        evidence: list = []
        times = interleave({base_name: baseline,
                            cand_name: _kept(candidate, evidence),
                            good_name: yardstick})
        cmp = Comparison(base_name, cand_name, times[base_name], times[cand_name])
        good = Comparison(base_name, good_name, times[base_name], times[good_name])
        is_structural = structural(evidence)
        capacity = good.speedup
        verdict = judge_speedup(cmp, workers=workers, cpu_bound=True, capacity=capacity)
        if verdict.passed is False and is_structural:
            # Is the machine busier than the known-good run suggested?
            capacity = min(capacity, parallel_capacity(workers))
            verdict = judge_speedup(cmp, workers=workers, cpu_bound=True, capacity=capacity)
        paired = min(t / max(g, 1e-9) for t, g in zip(times[cand_name], times[good_name]))
        matched = paired <= MATCHED
        if verdict.passed is not False or not is_structural:
            break                              # decided: a retry cannot change the verdict
        if matched:
            notes.append(f"attempt {attempt}: {verdict.explanation}; but in one round your "
                         f"run took only {paired:.2f}x the grader's pool's time, so the "
                         f"median was the machine's noise, not your code")
            break
        if attempt < attempts:
            notes.append(f"attempt {attempt}: {verdict.explanation}; measuring again")
    return YardstickVerdict(times, cmp, good, verdict, capacity, is_structural, evidence,
                            matched, notes)
