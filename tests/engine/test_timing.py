"""autograder.checks.timing: CPU budget from cgroups, interleaved comparisons, verdicts."""
from __future__ import annotations

import os

import pytest

from autograder.checks import timing
from autograder.checks import confidence
from autograder.checks.timing import Comparison, CpuBudget, judge_speedup, required_speedup


def _cgroup(tmp_path, rel: str, limits: dict[str, str]):
    """A fake /proc/self/cgroup (v2: '0::<rel>') and cgroup tree with cpu.max files."""
    proc = tmp_path / "proc_self_cgroup"
    proc.write_text(f"0::{rel}\n")
    root = tmp_path / "sys_fs_cgroup"
    root.mkdir()
    for where, value in limits.items():
        d = root / where.strip("/") if where != "/" else root
        d.mkdir(parents=True, exist_ok=True)
        (d / "cpu.max").write_text(value + "\n")
    return dict(proc_cgroup=proc, cgroup_root=root)


@pytest.fixture(autouse=True)
def _no_override(monkeypatch):
    monkeypatch.delenv("CK_CPU_QUOTA", raising=False)


# ------------------------------------------------------------------ cgroups

def test_cgroup_v2_quota(tmp_path):
    paths = _cgroup(tmp_path, "/a/b", {"/a/b": "50000 100000", "/": "max 100000"})
    budget = timing.cpu_budget(**paths)
    assert budget.quota == 0.5
    assert budget.logical == (os.cpu_count() or 1)
    assert budget.affinity == len(os.sched_getaffinity(0))
    assert budget.effective == 0.5


@pytest.mark.parametrize("limits, quota", [
    ({"/a/b": "300000 100000", "/a": "100000 100000", "/": "max 100000"}, 1.0),   # parent tighter
    ({"/a/b": "100000 100000", "/a": "300000 100000"}, 1.0),                      # child tighter
    ({"/a/b": "max 100000", "/a": "150000 100000"}, 1.5),                         # only the parent
    ({"/a/b": "max 100000", "/": "25000 100000"}, 0.25),                          # only the root
])
def test_the_tightest_limit_on_the_path_wins(tmp_path, limits, quota):
    assert timing.cpu_budget(**_cgroup(tmp_path, "/a/b", limits)).quota == quota


@pytest.mark.parametrize("limits", [
    {"/a/b": "max 100000", "/": "max 100000"},
    {},                                                    # no cpu.max anywhere
    {"/a/b": "garbage"},                                   # unreadable value
])
def test_no_quota_is_none(tmp_path, limits):
    budget = timing.cpu_budget(**_cgroup(tmp_path, "/a/b", limits))
    assert budget.quota is None
    assert budget.effective == budget.affinity


def test_a_limit_outside_the_path_is_ignored(tmp_path):
    paths = _cgroup(tmp_path, "/a/b", {"/other": "10000 100000", "/a/b": "max 100000"})
    assert timing.cpu_budget(**paths).quota is None


def test_no_cgroup_file_means_no_quota(tmp_path):
    budget = timing.cpu_budget(proc_cgroup=tmp_path / "absent", cgroup_root=tmp_path)
    assert budget.quota is None


def test_cgroup_v1_quota(tmp_path):
    (tmp_path / "cpu,cpuacct").mkdir()
    (tmp_path / "cpu,cpuacct" / "cpu.cfs_quota_us").write_text("150000\n")
    (tmp_path / "cpu,cpuacct" / "cpu.cfs_period_us").write_text("100000\n")
    assert timing.cpu_budget(proc_cgroup=tmp_path / "absent", cgroup_root=tmp_path).quota == 1.5
    (tmp_path / "cpu,cpuacct" / "cpu.cfs_quota_us").write_text("-1\n")          # unlimited
    assert timing.cpu_budget(proc_cgroup=tmp_path / "absent", cgroup_root=tmp_path).quota is None


def test_nested_cgroup_v1_quota_is_found(tmp_path):
    """A v1 quota set on this process's own cgroup (or a parent), not on the root."""
    mount = tmp_path / "cpu,cpuacct"
    leaf = mount / "outer" / "inner"
    leaf.mkdir(parents=True)
    for d, quota in ((mount, -1), (mount / "outer", 150000), (leaf, -1)):
        (d / "cpu.cfs_quota_us").write_text(f"{quota}\n")
        (d / "cpu.cfs_period_us").write_text("100000\n")
    proc = tmp_path / "cgroup"
    proc.write_text("4:memory:/x\n2:cpu,cpuacct:/outer/inner\n0::/\n")
    assert timing.cpu_budget(proc_cgroup=proc, cgroup_root=tmp_path).quota == 1.5
    (leaf / "cpu.cfs_quota_us").write_text("50000\n")
    assert timing.cpu_budget(proc_cgroup=proc, cgroup_root=tmp_path).quota == 0.5
    proc.write_text("0::/\n")
    assert timing.cpu_budget(proc_cgroup=proc, cgroup_root=tmp_path).quota is None


# ---------------------------------------------------------------- grading

def test_environment_override(tmp_path, monkeypatch):
    paths = _cgroup(tmp_path, "/a", {"/a": "200000 100000"})
    monkeypatch.setenv("CK_CPU_QUOTA", "0.5")
    budget = timing.cpu_budget(**paths)
    assert budget.quota == 0.5 and budget.effective == min(0.5, budget.affinity)


@pytest.mark.parametrize("affinity, quota, effective", [
    (4, None, 4.0), (4, 0.5, 0.5), (2, 3.0, 2.0), (1, 1.0, 1.0), (8, 0.001, 0.01),
])
def test_effective_is_the_smaller_limit(affinity, quota, effective):
    b = CpuBudget(logical=8, affinity=affinity, quota=quota)
    assert b.effective == effective
    assert f"-> {effective:g} effective" in b.describe()
    assert ("quota" in b.describe()) == (quota is not None)


# ----------------------------------------------------------------- compare

def test_compare_alternates_the_order():
    calls = []
    cmp = timing.compare(lambda: calls.append("C"), lambda: calls.append("B"), repeats=3,
                         candidate_name="yours", baseline_name="serial")
    assert calls == ["B", "C", "C", "B", "B", "C"]
    assert len(cmp.baseline) == len(cmp.candidate) == 3
    assert all(t >= 0 for t in cmp.baseline + cmp.candidate)
    assert (cmp.baseline_name, cmp.candidate_name) == ("serial", "yours")


def test_interleave_reverses_the_order_every_other_round():
    calls = []
    times = timing.interleave({name: (lambda n=name: calls.append(n)) for name in "ABC"},
                              repeats=3)
    assert "".join(calls) == "ABCCBAABC"
    assert list(times) == ["A", "B", "C"] and all(len(t) == 3 for t in times.values())


def test_describe_lists_medians_and_a_chart():
    text = timing.describe({"loop": [2.0, 2.0, 3.0], "pool": [1.0, 1.0, 1.0]})
    assert "loop: median 2.000s [2.000s, 2.000s, 3.000s]" in text
    assert "pool: median 1.000s" in text
    assert text.count("#") == 40 + 20


def test_compare_measures_each_function(monkeypatch):
    clock = iter(range(100))
    monkeypatch.setattr(timing, "now", lambda: float(next(clock)))
    # Each call reads the clock twice; patching now() makes every duration exactly 1.
    cmp = timing.compare(lambda: None, lambda: None, repeats=2)
    assert cmp.baseline == [1.0, 1.0] and cmp.candidate == [1.0, 1.0]


def test_speedup_uses_medians():
    cmp = Comparison("b", "c", baseline=[1.0, 2.0, 100.0], candidate=[1.0, 1.0, 0.01])
    assert cmp.speedup == pytest.approx(2.0)            # median 2.0 / median 1.0: outliers ignored
    assert cmp.best_speedup == pytest.approx(100.0)     # min 1.0 / min 0.01
    even = Comparison("b", "c", baseline=[1.0, 3.0], candidate=[1.0, 1.0])
    assert even.speedup == pytest.approx(2.0)
    assert Comparison("b", "c", [1.0], [0.0]).speedup > 1e6  # no division by zero


def test_comparison_text_has_both_medians_and_bars():
    text = Comparison("serial", "yours", [2.0, 2.0, 2.0], [1.0, 1.0, 1.0]).text()
    assert "serial: median 2.000s" in text and "yours: median 1.000s" in text
    assert "speedup 2.00x" in text
    assert text.count("#") == 40 + 20


def test_short_times_show_in_milliseconds():
    assert timing.seconds(1.5) == "1.500s" and timing.seconds(0.1) == "0.100s"
    assert timing.seconds(0.0123) == "12.3ms" and timing.seconds(0.0) == "0.0ms"
    assert "0.4ms" in timing.bars({"tiny": 0.0004, "big": 0.2})


def test_bars_one_line_per_entry():
    out = timing.bars({"serial": 2.0, "threads": 1.0, "zero": 0.0}, width=10)
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].count("#") == 10 and lines[1].count("#") == 5 and lines[2].count("#") == 1
    assert lines[0].endswith("2.000s") and "threads" in lines[1]
    assert len(timing.bars({"only": 0.0}).splitlines()) == 1


# ---------------------------------------------------------------- verdicts

@pytest.mark.parametrize("parallelism, required", [
    (1, 1.0), (2, 1.5), (3, 2.0), (5, 3.0), (0.5, 1.0), (0, 1.0),
])
def test_required_speedup(parallelism, required):
    assert required_speedup(parallelism) == required


def test_waiting_work_uses_the_worker_count_whatever_the_cpus():
    for cpus in (CpuBudget(1, 1, None), CpuBudget(2, 2, 0.5), CpuBudget(64, 64, None)):
        v = judge_speedup(Comparison("b", "c", [1.0], [0.4]), workers=4, cpu_bound=False, cpus=cpus)
        assert v.parallelism == 4.0 and v.required == 2.5
        assert v.passed is True and v.measured == pytest.approx(2.5)
    slow = judge_speedup(Comparison("b", "c", [1.0], [0.5]), workers=4, cpu_bound=False,
                         cpus=CpuBudget(1, 1, None))
    assert slow.passed is False and "2.00x" in slow.explanation and "2.50x" in slow.explanation


def test_cpu_bound_on_half_a_cpu_is_inconclusive():
    v = judge_speedup(Comparison("b", "c", [1.0], [1.0]), workers=4, cpu_bound=True,
                      cpus=CpuBudget(logical=2, affinity=2, quota=0.5))
    assert v.passed is None and v.inconclusive
    assert v.parallelism == 0.5
    assert "quota 0.5" in v.explanation


def test_cpu_bound_on_two_cpus_needs_one_and_a_half():
    two = CpuBudget(logical=2, affinity=2, quota=None)
    slow = judge_speedup(Comparison("b", "c", [1.2], [1.0]), workers=4, cpu_bound=True, cpus=two)
    assert slow.passed is False and not slow.inconclusive
    assert slow.required == 1.5 and slow.parallelism == 2.0
    assert slow.measured == pytest.approx(1.2)
    fast = judge_speedup(Comparison("b", "c", [1.6], [1.0]), workers=4, cpu_bound=True, cpus=two)
    assert fast.passed is True


def test_cpu_bound_capped_by_measured_capacity():
    v = judge_speedup(Comparison("b", "c", [1.0], [1.0]), workers=4, cpu_bound=True,
                      cpus=CpuBudget(8, 8, None), capacity=1.1)
    assert v.passed is None and "capacity 1.10" in v.explanation
    v = judge_speedup(Comparison("b", "c", [3.0], [1.0]), workers=4, cpu_bound=True,
                      cpus=CpuBudget(8, 8, None), capacity=3.0)
    assert v.parallelism == 3.0 and v.required == 2.0 and v.passed is True


def test_trusted_clock_ignores_a_patched_time_module(monkeypatch):
    import time
    monkeypatch.setattr(time, "perf_counter", lambda: 0.0)
    monkeypatch.setattr(time, "sleep", lambda s: None)
    t0 = timing.now()
    timing.sleep(0.02)
    assert timing.now() - t0 >= 0.015


# ------------------------------------------------------- judge_with_yardstick

def _scripted(monkeypatch, seconds: dict[str, list[float]]):
    """time_call returns the next scripted duration of whichever run it times."""
    queues = {name: list(ts) for name, ts in seconds.items()}
    last = [0.0]

    def run(name):
        last[0] = queues[name].pop(0)
        return last[0]
    monkeypatch.setattr(timing, "time_call", lambda fn: (fn(), last[0])[1])
    return {name: (lambda n=name: run(n)) for name in seconds}


def _judge(runs, structural=True, attempts=3, **kw):
    return timing.judge_with_yardstick(
        baseline=runs["base"], candidate=runs["cand"], yardstick=runs["good"],
        names=("base", "cand", "good"), workers=2,
        structural=lambda evidence: structural, attempts=attempts, **kw)


TWO = CpuBudget(logical=2, affinity=2, quota=None)


def test_yardstick_sets_the_capacity_and_a_plain_pass_takes_two_rounds(monkeypatch):
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": [0.55] * 9, "good": [0.5] * 9})
    run = _judge(runs, cpus=TWO)
    assert run.capacity == pytest.approx(2.0) and run.verdict.passed
    assert run.verdict.rounds == 2 and run.evidence == [0.55, 0.55]
    assert not run.verdict.borderline and run.verdict.flag is None


def test_a_plain_miss_fails_without_retries_or_lucky_rounds(monkeypatch):
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": [1.0] * 9, "good": [0.5] * 9})
    run = _judge(runs, cpus=TWO)
    assert run.verdict.passed is False and run.verdict.rounds == 2


def test_a_close_call_is_measured_longer_then_passes_flagged(monkeypatch):
    """Alternating lucky and unlucky rounds (one round as fast as the grader's pool, the
    next as slow as a loop) cannot be told from the bar: all 9 rounds, then borderline."""
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": [1.0, 0.55] * 5,
                                   "good": [0.5] * 9})
    run = _judge(runs, cpus=TWO)
    v = run.verdict
    assert v.rounds == 9 and v.passed and v.borderline
    assert v.flag.startswith("borderline: measured ") and "needed 1.50x" in v.flag
    assert "flagged for the instructor" in v.explanation


def test_noisy_but_clear_rounds_stop_before_the_budget(monkeypatch):
    cand = [0.50, 0.56, 0.52, 0.60, 0.54, 0.58, 0.51, 0.57, 0.53]
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": cand, "good": [0.5] * 9})
    run = _judge(runs, cpus=TWO)
    assert run.verdict.passed and not run.verdict.borderline and 2 <= run.verdict.rounds < 9


def test_a_machine_that_cannot_show_parallelism_stops_early_inconclusive(monkeypatch):
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": [1.0] * 9, "good": [1.0] * 9})
    run = _judge(runs, cpus=TWO)
    assert run.verdict.inconclusive and run.verdict.rounds == 2
    assert "grader's own pool reached 1.00x" in run.verdict.explanation


def test_one_cpu_is_inconclusive_whatever_the_times(monkeypatch):
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": [0.5] * 9, "good": [0.5] * 9})
    run = _judge(runs, cpus=CpuBudget(logical=2, affinity=1, quota=None))
    assert run.verdict.inconclusive and run.verdict.rounds == 2


def test_without_structural_evidence_the_caller_is_told(monkeypatch):
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": [0.5] * 9, "good": [0.5] * 9})
    run = _judge(runs, structural=False, cpus=TWO)
    assert not run.structural and run.verdict.passed


# ------------------------------------------------------------- measure_speedup

def test_measure_speedup_decides_waiting_work_in_two_rounds(monkeypatch):
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": [0.2] * 9})
    cmp, v = timing.measure_speedup(runs["cand"], runs["base"], workers=4)
    assert v.passed and v.rounds == 2 and v.required == pytest.approx(2.5)
    assert cmp.candidate == [0.2, 0.2] and v.measured == pytest.approx(5.0)


def test_measure_speedup_stops_at_the_budget_undecided(monkeypatch):
    """A close call that would outlast its budget stops there, borderline: one second a
    round (the clock), so a fifth round would end at 5 s, past the 4.5 s budget."""
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": [0.35, 0.45] * 5})
    clock = iter(range(100))
    monkeypatch.setattr(timing, "now", lambda: float(next(clock)))
    _, v = timing.measure_speedup(runs["cand"], runs["base"], workers=4, budget=4.5)
    assert v.borderline and v.passed and v.rounds == 4


def test_measure_speedup_of_thinking_work_on_one_cpu_is_inconclusive(monkeypatch):
    runs = _scripted(monkeypatch, {"base": [1.0] * 9, "cand": [1.0] * 9})
    _, v = timing.measure_speedup(runs["cand"], runs["base"], workers=2, cpu_bound=True,
                                  cpus=CpuBudget(logical=1, affinity=1, quota=None))
    assert v.inconclusive and v.rounds == 2


# ------------------------------------------------------------------ confidence

def test_sequential_waits_for_two_rounds_then_decides_on_the_interval():
    seq = confidence.Sequential()
    assert seq.add(2.0) is None                     # one round: no interval yet
    assert seq.add(2.1) == confidence.PASSED
    low, high = seq.bounds
    assert low > 1.0 and high > low
    miss = confidence.Sequential()
    miss.add(0.6)
    assert miss.add(0.62) == confidence.FAILED


def test_sequential_is_undecided_across_one_and_borderline_when_spent():
    seq = confidence.Sequential(max_rounds=4)
    for m in (0.9, 1.1, 0.95, 1.08):
        seq.add(m)
    assert seq.state is None and seq.spent and seq.outcome == confidence.BORDERLINE
    assert "4 round(s)" in seq.text()


def test_log_interval_is_symmetric_in_ratios():
    """Twice as fast and twice as slow are the same distance from 1."""
    low, high = confidence.log_interval([2.0, 0.5])
    assert low == pytest.approx(-high)
