"""Helpers shared by the visible and hidden tests of assignment 5 (plain functions and
one sampler; the fixtures are in conftest.py).

Nothing here is secret. The student's chunk function is their own, so the grader cannot
wrap it: the evidence that several processes did the work comes from the kernel instead
(the `tree_cpu` fixture: the CPU time every process under the test's process used while
crunch ran, and the test's process's own).
"""
from __future__ import annotations

import functools
import math
import time
from concurrent.futures import ProcessPoolExecutor

from autograder.checks import timing

KEYS = ("items", "sum", "average", "min", "max")
REL = 1e-9          # sum and average: this close (relative) to math.fsum over all values


# ----------------------------------------------------------- the grader's own crunch

def value_of(value: int) -> float:
    """The lesson's formula (Pattern 2, process_data_chunk)."""
    return value ** 2 + math.sin(value) * 100


def _grader_chunk(start: int, stop: int) -> tuple:
    values = [value ** 2 + math.sin(value) * 100 for value in range(start, stop)]
    return len(values), math.fsum(values), min(values), max(values)


@functools.cache
def expected(n_items: int) -> dict:
    """What crunch(n_items) must return: sum and average from math.fsum over all values."""
    if n_items == 0:
        return {"items": 0, "sum": 0.0, "average": None, "min": None, "max": None}
    values = [value_of(v) for v in range(n_items)]
    total = math.fsum(values)
    return {"items": n_items, "sum": total, "average": total / n_items,
            "min": min(values), "max": max(values)}


def sequential_crunch(n_items: int) -> float:
    """The grader's one-process run of the same formula (the baseline for speedups)."""
    return math.fsum(value_of(v) for v in range(n_items))


def grader_pool_crunch(n_items: int, chunk_size: int, workers: int) -> float:
    """A pool the grader knows is right: the yardstick timed in the same rounds."""
    chunks = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    with ProcessPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(_grader_chunk, s, e) for s, e in chunks]
        return math.fsum(f.result()[1] for f in futures)


# ------------------------------------------------------------------- causes

ONE_PROCESS = (
    "the values were computed in one process: no pool at all, or threads (the GIL lets "
    "one thread think at a time: 'One researcher with helpers (threads): still limited by "
    "one brain'), or every value in one chunk. CPU-bound work needs a ProcessPoolExecutor "
    "and one task per chunk: executor.submit(chunk_function, start, stop) for every chunk, "
    "then collect the results")

UNEVEN = (
    "the last chunk is shorter when n_items is not a multiple of chunk_size, and it got "
    "lost or miscounted: build the chunks as range(start, min(start + chunk_size, "
    "n_items)) for start in range(0, n_items, chunk_size), and combine the chunks' "
    "results by their real sizes. An average of the chunks' averages weighs the short "
    "last chunk like a full one: add up the sums and counts, then divide once")

SPAWN = (
    "a worker started with spawn or forkserver is a fresh interpreter: it imports your "
    "module and finds only what is defined at its top level. A chunk function defined "
    "inside crunch, a lambda, or a module global the parent set before starting the "
    "pool (only fork copies it) does not get there: pass everything a chunk needs as "
    "arguments of a module-level function")

LEAK = (
    "the pool was never shut down, so its worker processes outlive the call: use "
    "`with ProcessPoolExecutor(...) as executor:` (its exit waits for the workers), or "
    "call executor.shutdown(wait=True) before returning")


# ------------------------------------------------------------------- evidence
# The kernel's count of who used CPU while crunch() ran (grading/evidence.py, TreeCpu: the
# `tree_cpu` fixture): every process under the test's process, and the test's process
# itself, whose own CPU must stay small when the pool does the work.


AT_ONCE = 1.4    # worker processes ready to compute at once, on average, for "in parallel"
TURNS = ("the worker processes took turns: future.result() right after each submit() (one "
         "chunk at a time), or a new pool per chunk. Submit every chunk first, then collect "
         "the results (or use pool.map)")


def structural(cpu, seq_cpu: float, busy_min: int = 2, together: bool = False) -> bool:
    """>= `busy_min` worker processes did a real share, together most of the work, while
    the caller did little of it (decoys burning CPU beside a caller that computes
    everything do not count); with `together`, two or more of them ran at the same time
    (the kernel's runnable time: a busy machine that makes them wait for a CPU still
    shows it)."""
    return (len(cpu.busy()) >= busy_min and cpu.children >= 0.5 * seq_cpu
            and cpu.caller <= 0.35 * seq_cpu + 0.02
            and (not together or cpu.at_once() >= AT_ONCE))


# ------------------------------------------------------------------- checks

def _close(a, b) -> bool:
    return isinstance(a, (int, float)) and not isinstance(a, bool) and \
        math.isclose(a, b, rel_tol=REL, abs_tol=1e-9)


def check_results(feedback, result, n_items, chunk_size=None, *, what="crunch()"):
    """`result` must be crunch's dict for n_items: exact items, min, max; sum and
    average within REL of math.fsum over all values."""
    want = expected(n_items)
    feedback.check(isinstance(result, dict) and set(result) == set(KEYS),
                   f"{what} must return a dict with the keys {', '.join(KEYS)}.",
                   measured=f"{type(result).__name__}: {result!r:.150}",
                   expected=f"a dict with exactly the keys {', '.join(KEYS)}",
                   cause="the lesson's per-chunk dict ('chunk_id', 'items_processed', ...) "
                         "returned, or keys renamed: return the combined result of all chunks "
                         "under the contract's keys")
    uneven = chunk_size is not None and n_items % chunk_size != 0
    cause = UNEVEN if uneven else (
        "the chunks do not cover range(n_items) exactly once, or their results were "
        "combined wrongly: count the items, add the sums, take the min of the mins and the "
        "max of the maxes")
    for key in KEYS:
        got, good = result[key], want[key]
        feedback.measure(key, got, expected=good)
    for key in ("items", "min", "max"):
        got, good = result[key], want[key]
        feedback.check(got == good, f"{what} returned the wrong '{key}'.",
                       measured=f"{key} = {got!r}", expected=f"{key} = {good!r} (exactly)",
                       cause=cause)
    for key in ("sum", "average"):
        got, good = result[key], want[key]
        feedback.check(_close(got, good), f"{what} returned the wrong '{key}'.",
                       measured=f"{key} = {got!r}",
                       expected=f"{key} = {good!r} (within {REL:g} relative: math.fsum "
                                f"over all {n_items} values)",
                       cause=cause if key == "sum" or uneven else
                       "the average is the total sum divided by the total count of items")


def check_in_processes(feedback, cpu, seq_cpu: float, workers: int):
    """At least 2 child processes did a real share of the work, the children most of it,
    and the caller little."""
    busy = cpu.busy()
    feedback.measure("child processes seen while crunch() ran", len(cpu.workers()))
    feedback.measure("child processes that did >= 15% of the work", len(busy),
                     expected=f">= 2 (of {workers})")
    feedback.measure("CPU time used in child processes", f"{cpu.children:.2f} s",
                     expected=f">= {0.5 * seq_cpu:.2f} s (half of what the grader's one-"
                              f"process run needs)")
    feedback.measure("CPU time used by crunch()'s own process", f"{cpu.caller:.2f} s",
                     expected=f"<= {0.35 * seq_cpu + 0.02:.2f} s")
    feedback.check(structural(cpu, seq_cpu), "The values were not computed in several processes.",
                   measured=f"{cpu.text()}; {len(busy)} did a real share",
                   expected=f"{workers} worker processes, each computing some of the chunks, "
                            f"together about {seq_cpu:.2f} s of CPU, your own process little",
                   cause=ONE_PROCESS)


def _check_timed_results(feedback, mine: list, plans: list, sums: dict) -> None:
    """Every timed run of crunch computed its own round's values."""
    for r, result in mine:
        n = plans[r][0]
        ok = isinstance(result, dict) and result.get("items") == n and r in sums and \
            _close(result.get("sum"), sums[r])
        feedback.check(ok, "crunch() returned a wrong result in a timed run.",
                       measured=f"crunch({n}, chunk_size={plans[r][1]}): {result!r:.150}",
                       expected=f"items {n}, sum {sums.get(r)!r}",
                       cause="a result remembered from an earlier call, or chunks that do not "
                             "cover range(n_items): every call computes its own values")


def crunch_speedup(crunch, student, feedback, *, n_items, chunk_size, workers, attempts=3):
    """crunch against the grader's sequential loop and the grader's pool, interleaved
    (assignment 3's heavy_speedup, with the kernel's view of the workers). Every run of
    crunch is in a new process of its own (student.fresh()) with inputs of its own (n_items
    and chunk_size a little larger each round), and its result is checked: nothing can be
    remembered from an earlier round."""
    from autograder.grading.evidence import TreeCpu
    rounds = 3 * attempts
    # Each round its own chunks (chunk_size + r), as many of them as asked and all full,
    # so a bug of the chunk arithmetic is graded by the tests that own it, not here.
    chunks = -(-n_items // chunk_size)
    plans = [(chunks * (chunk_size + r), chunk_size + r) for r in range(rounds)]
    fresh = [student.fresh() for _ in range(rounds)]
    step = {"base": 0, "mine": 0, "good": 0}
    sums: dict[int, float] = {}
    mine: list = []

    def baseline():
        r = step["base"]
        step["base"] += 1
        sums[r] = sequential_crunch(plans[r][0])

    def theirs():
        r = step["mine"]
        step["mine"] += 1
        n, size = plans[r]
        module = fresh[r]
        with TreeCpu(module.session, interval=0.02) as cpu:
            mine.append((r, module.crunch(n, chunk_size=size, max_workers=workers)))
        return cpu

    def yardstick():
        r = step["good"]
        step["good"] += 1
        grader_pool_crunch(*plans[r], workers)

    start = time.thread_time()
    sequential_crunch(plans[0][0])
    seq_cpu = time.thread_time() - start
    run = timing.judge_with_yardstick(
        baseline=baseline, candidate=theirs, yardstick=yardstick,
        names=("grader's sequential loop", f"crunch(), {workers} workers",
               f"grader's pool, {workers} workers"),
        workers=workers,
        structural=lambda cpus: any(structural(c, seq_cpu, together=True) for c in cpus),
        attempts=attempts)
    _check_timed_results(feedback, mine, plans, sums)
    for note in run.notes:
        feedback.note(note)
    times, cmp, good, verdict, capacity = run.times, run.comparison, run.yardstick, run.verdict, run.capacity
    is_structural, matched = run.structural, run.matched
    busy = max(len(c.busy()) for c in run.evidence)
    report = timing.describe(times)
    feedback.measure("speedup over the grader's sequential loop (median of 3, interleaved)",
                     f"{cmp.speedup:.2f}x",
                     expected=f">= {verdict.required:.2f}x" if not verdict.inconclusive
                     else "(inconclusive on this machine now)")
    feedback.measure("speedup of the grader's pool, same rounds", f"{good.speedup:.2f}x")
    feedback.measure("parallel capacity used for the verdict", f"{capacity:.2f}")
    feedback.measure("child processes that did >= 15% of the work", busy, expected=">= 2")
    together = max(c.at_once() for c in run.evidence)
    feedback.measure("worker processes computing at once, on average (the kernel's count)",
                     f"{together:.2f}", expected=f">= {AT_ONCE:g}")
    if verdict.inconclusive or not is_structural:
        if verdict.inconclusive:
            feedback.note(verdict.explanation)
        turns = not is_structural and any(structural(c, seq_cpu) for c in run.evidence)
        feedback.check(is_structural or not turns,
                       "crunch()'s worker processes ran one at a time.",
                       measured=f"{together:.2f} worker processes computing at once on average; "
                                f"{run.evidence[-1].text()}; speedup {cmp.speedup:.2f}x"
                                f"\n{report}",
                       expected=f"{workers} workers computing at the same time "
                                f"(>= {AT_ONCE:g} on average)",
                       cause=TURNS)
        feedback.check(is_structural, "No parallel work to show for crunch().",
                       measured=f"{run.evidence[-1].text()}; speedup {cmp.speedup:.2f}x"
                                f"\n{report}",
                       expected="the chunks computed in >= 2 worker processes, not in yours",
                       cause=ONE_PROCESS)
        feedback.note(report)
        return
    if verdict.passed is False and not matched:
        feedback.fail("crunch() was not faster than the grader's one-process loop.",
                      measured=f"{cmp.speedup:.2f}x with {busy} busy worker process(es), while "
                               f"the grader's pool reached {good.speedup:.2f}x in the same "
                               f"rounds\n{report}",
                      expected=f">= {verdict.required:.2f}x ({verdict.explanation})",
                      cause="the workers ran, but the gain was lost: a new pool per chunk, "
                            "future.result() right after each submit() (one chunk at a time), "
                            "or all values in one chunk while the other workers had nothing "
                            "to do")
    feedback.note(report)
