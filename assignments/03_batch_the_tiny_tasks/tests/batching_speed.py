"""The timed tests of assignment 3 (plain functions; the fixtures are in conftest.py):
heavy items against a plain loop, tiny items against a pool that ships every item on its
own. Every run of the student's is watched by the kernel (TreeCpu): a speed earns points
only with the work done in worker processes, and the grader's pools start their workers
the way the student's did (batching_pools.py).
"""
from __future__ import annotations

import statistics
import time

from batching_pools import per_item_pool
from batching_support import (AT_ONCE, NO_WORKER, ONE_PROCESS, PER_ITEM, TURNS, check_in_workers,
                              expected_and_cpu, half_the_work, parallel_evidence, spin, tiny)

from autograder.checks import timing
from autograder.checks.pools import start_method_of, startup_seconds

_thread_time = time.thread_time


def heavy_speedup(parallel_map, tree_cpu, feedback, *, items, workers, attempts=3):
    """Time parallel_map against the grader's loop and the grader's per-item pool (known
    good for heavy items), interleaved (timing.judge_with_yardstick); the structural
    evidence is the kernel's. Every round has a key of its own, shared by the grader's loop
    and your run: your results must be the loop's, all of them (so none can come from an
    earlier round), and checking them costs nothing more."""
    keyed = [spin() for _ in range(3 * attempts)]      # one per round (interleave)
    step = {"base": 0, "mine": 0}
    loops: dict[int, list] = {}
    mine: list = []
    method = ["fork"]      # the yardstick's pool starts as the student's last one did

    def baseline():
        r = step["base"]
        step["base"] += 1
        loops[r] = [keyed[r](x) for x in items]

    def theirs():
        r = step["mine"]
        step["mine"] += 1
        with tree_cpu() as cpu:
            mine.append((r, parallel_map(keyed[r], items, max_workers=workers)))
        method[0] = start_method_of(cpu)
        return cpu

    base = spin()
    start = _thread_time()
    base(items[0])
    one = _thread_time() - start
    work_cpu = one * len(items)

    def structural(cpus):
        return any(parallel_evidence(cpu, work_cpu, together=True) for cpu in cpus)

    run = timing.judge_with_yardstick(
        baseline=baseline, candidate=theirs,
        yardstick=lambda: per_item_pool(base, items, workers, method[0]),
        names=("sequential loop", f"parallel_map, {workers} workers",
               f"grader's pool, {workers} workers"),
        workers=workers, structural=structural, attempts=attempts, budget=15.0)
    for r, result in mine:
        want = loops[r] if r in loops else [keyed[r](x) for x in items]
        same = isinstance(result, list) and len(result) == len(want) and \
            sorted(result, key=repr) == sorted(want, key=repr)   # order: the order tests'
        feedback.check(same, "parallel_map() returned wrong results in a timed run.",
                       measured="results that are not this run's func(x)",
                       expected="the results of this run's func: each run gets a new one",
                       cause="results remembered from an earlier call, or not computed by "
                             "func: every call must compute func(x) for its own items")
    for note in run.notes:
        feedback.note(note)
    times, cmp, good, verdict, capacity = run.times, run.comparison, run.yardstick, run.verdict, run.capacity
    is_structural = run.structural
    busy = max(len(cpu.busy()) for cpu in run.evidence)
    report = timing.describe(times)
    feedback.measure(f"speedup over the sequential loop ({verdict.rounds} interleaved rounds)",
                     f"{verdict.measured:.2f}x",
                     expected=f">= {verdict.required:.2f}x" if not verdict.inconclusive
                     else "(inconclusive on this machine now)")
    feedback.measure("speedup of the grader's pool, same rounds", f"{good.speedup:.2f}x")
    feedback.measure("parallel capacity used for the verdict", f"{capacity:.2f}")
    feedback.measure("worker processes that did >= 15% of the work", busy, expected=">= 2")
    together = max(cpu.at_once() for cpu in run.evidence)
    feedback.measure("worker processes computing at once, on average (the kernel's count)",
                     f"{together:.2f}", expected=f">= {AT_ONCE:g}")
    if verdict.inconclusive or not is_structural:
        if verdict.inconclusive:
            feedback.note(verdict.explanation)
        turns = not is_structural and any(parallel_evidence(c, work_cpu) for c in run.evidence)
        feedback.check(is_structural or not turns,
                       "parallel_map()'s worker processes ran one at a time.",
                       measured=f"{together:.2f} worker processes computing at once on average; "
                                f"{run.evidence[-1].text()}; speedup {cmp.speedup:.2f}x\n{report}",
                       expected=f"{workers} workers computing at the same time "
                                f"(>= {AT_ONCE:g} on average)",
                       cause=TURNS)
        feedback.check(is_structural, "No parallel work to show for the heavy items.",
                       measured=f"{run.evidence[-1].text()}; speedup {cmp.speedup:.2f}x\n{report}",
                       expected="the items computed in >= 2 worker processes, not in yours",
                       cause=ONE_PROCESS)
        feedback.note(report)
        return
    feedback.flag(verdict.flag)
    if verdict.passed is False:
        feedback.fail("The heavy items were not computed faster than a plain loop.",
                      measured=f"{verdict.measured:.2f}x with {busy} busy worker process(es), while "
                               f"the grader's pool reached {good.speedup:.2f}x in the same "
                               f"rounds\n{report}",
                      expected=f">= {verdict.required:.2f}x ({verdict.explanation})",
                      cause="the workers ran, but the gain was lost: a new pool per batch, "
                            "batches run one after another, or heavy items piled into one "
                            "batch while the other workers had nothing to do")
    feedback.note(report)


def _tiny_runs(parallel_map, tree_cpu, n_items, workers):
    """theirs() for the timing: a fresh func per call, its result and the kernel's
    count kept in `runs`."""
    items = list(range(n_items))
    runs: list = []

    def theirs():
        func = tiny()
        with tree_cpu() as cpu:
            result = parallel_map(func, items, max_workers=workers)
        runs.append((func, result, cpu))
    return theirs, runs


def tiny_speedup(parallel_map, guard, tree_cpu, feedback, *, n_items, workers, required=3.0):
    """Time parallel_map against the per-item pool on `n_items` tiny items (a fresh func
    for every run of yours), both pools started with the start method yours used. A pool's
    start-up is not batching's to save: the bar is `required`x on the time beyond the
    start-up of a pool of that method, measured here."""
    items = list(range(n_items))
    base = tiny()
    theirs, runs = _tiny_runs(parallel_map, tree_cpu, n_items, workers)
    # An untimed call first: the kernel says who computed the items and which start
    # method the workers were started with; a fork server starts before the timing.
    func = tiny()
    with tree_cpu() as cpu:
        result = guard.call(parallel_map, func, items, max_workers=workers, deadline=20,
                            what=f"parallel_map() on {n_items} tiny items")
    runs.append((func, result, cpu))
    _, work = expected_and_cpu(base, items)
    check_in_workers(feedback, runs[0][2], work, caller=False)
    method = start_method_of(runs[0][2])
    startup = startup_seconds(method, workers)

    def need_of(per_item: float) -> float:
        return required * per_item / (per_item + (required - 1) * startup)
    names = ("one submit() per item", "parallel_map")
    times, rounds = timing.decide_rounds(
        {names[0]: lambda: per_item_pool(base, items, workers, method), names[1]: theirs},
        lambda t: t[names[0]] / max(t[names[1]], 1e-9) / need_of(t[names[0]]), budget=12.0)
    cmp = timing.Comparison(*names, times[names[0]], times[names[1]])
    for func, result, _ in runs:
        probe = {func(items[0]), func(items[n_items // 2]), func(items[-1])}
        feedback.check(isinstance(result, list) and len(result) == n_items and
                       probe <= set(result),
                       "parallel_map() returned wrong results in a timed run.",
                       measured=f"{type(result).__name__} of "
                                f"{len(result) if isinstance(result, list) else '?'}",
                       expected=f"{n_items} results of this run's func (each run gets a new one)",
                       cause="results remembered from an earlier call, or not computed by "
                             "func: every call must compute func(x) for its own items")
    children = sum(cpu.children for _, _, cpu in runs)
    tree = sum(cpu.children + cpu.caller for _, _, cpu in runs)
    floor = half_the_work(work * len(runs), tree)
    feedback.check(children >= floor,
                   "Hardly any work reached a worker process in the timed runs.",
                   measured=f"{children:.2f} s of CPU in child processes over {len(runs)} "
                            f"calls", expected=f">= {floor:.2f} s (half the work)",
                   cause=NO_WORKER)
    need = need_of(statistics.median(cmp.baseline))
    verdict = timing.decided(rounds, cmp.typical_speedup, need, float(workers),
                             f"at least {need:.2f}x")
    bar = (f"{required:g}x on the time beyond starting a {method} pool of {workers} workers, "
           f"which takes {timing.seconds(startup)} here")
    feedback.measure(f"faster than one task per item, {n_items} tiny items "
                     f"({verdict.rounds} interleaved rounds)", f"{verdict.measured:.2f}x",
                     expected=f">= {need:.2f}x ({bar})")
    feedback.flag(verdict.flag)
    if verdict.passed:
        feedback.note(cmp.text())
    feedback.check(bool(verdict.passed),
                   f"On {n_items} tiny items parallel_map() was only {verdict.measured:.1f}x "
                   f"faster than a pool that ships every item on its own.",
                   measured=f"{verdict.measured:.2f}x\n{cmp.text()}",
                   expected=f"at least {need:.2f}x: {bar} (a batched pool is several times "
                            f"faster here)",
                   cause=PER_ITEM)
