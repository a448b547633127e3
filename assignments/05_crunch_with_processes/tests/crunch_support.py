"""Helpers shared by the visible and hidden tests of assignment 5 (plain functions; the
fixtures are in conftest.py).

Nothing here is secret. The student's chunk function is their own, so the grader cannot
wrap it: the evidence that several processes did the work comes from the kernel instead
(the `workers_cpu` fixture, crunch_kernel.Workers: the CPU time every process under the
test's process used while crunch ran, the test's process's own, and how many worker
processes were alive at once).
"""
from __future__ import annotations

import functools
import math
import multiprocessing
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


def grader_pool_crunch(n_items: int, chunk_size: int, workers: int,
                       method: str | None = None) -> float:
    """A pool the grader knows is right: the yardstick timed in the same rounds, its
    workers started with `method` (the one the student's workers used)."""
    chunks = [(s, min(s + chunk_size, n_items)) for s in range(0, n_items, chunk_size)]
    context = multiprocessing.get_context(method) if method else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        futures = [executor.submit(_grader_chunk, s, e) for s, e in chunks]
        return math.fsum(f.result()[1] for f in futures)


# ------------------------------------------------------------------- causes

ONE_PROCESS = (
    "the values were computed in one process: no pool at all, or threads (the GIL lets "
    "one thread think at a time: 'One researcher with helpers (threads): still limited by "
    "one brain'). CPU-bound work needs a ProcessPoolExecutor "
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
# The kernel's count of who used CPU while crunch() ran (crunch_kernel.Workers, a TreeCpu:
# the `workers_cpu` fixture): every process under the test's process, and the test's
# process itself. Each threshold sits well away from every design it separates (measured
# on a loaded 2-core machine, in multiples of the grader's one-process CPU, `seq`):
#   worker CPU:  correct pools ~1.1, values computed in the parent ~0.45, decoys beside a
#                caller that computes ~0.4, no pool 0
#   caller CPU / worker CPU:  correct ~0.03, a new pool per chunk ~0.1, every value
#                shipped back and combined in the parent ~0.7-0.9, values computed in
#                the parent ~2.3
#   caller CPU:  correct ~0.02, a new pool per chunk ~0.12, the caller computing ~1.1
#   beyond the busiest worker:  correct ~0.5, a pool per chunk ~1.1, one chunk ~0.01
#                (~0.07 with spawn: an idle spawned worker's start-up, ~0.05 s, is less
#                than a tenth of a 4M-item run)

NONE_MAX = 0.1        # the workers' CPU below this x seq: no pool did any of the work
WORK_MIN = 0.5        # the workers' CPU, at least, x seq: the values were computed there
CALLER_OF_WORK = 0.35  # the caller's CPU, at most, x the workers'
CALLER_OF_SEQ = 0.5   # the caller's CPU, at most, x seq (+ a tick): decoys beside a caller
OTHERS_MIN = 0.15     # the workers beyond the busiest, at least, x seq
HYGIENE_WORK = 0.2    # the workers' CPU, at least, x seq, for the hygiene tests' points:
#                       every pool that does a part of the work shows >= 0.45 (more under
#                       spawn: start-up), no pool 0. Who did how much is graded by
#                       test_runs_in_several_processes: at the hygiene tests' sizes a
#                       spawned worker's start-up blurs the caller's share
AT_ONCE = 1.4         # worker processes ready to compute at once, on average, for "in parallel"
TICK = 0.02           # two clock ticks of /proc/PID/stat

TURNS = ("the worker processes took turns: future.result() right after each submit() (one "
         "chunk at a time), or a new pool per chunk. Submit every chunk first, then collect "
         "the results (or use pool.map)")

CALLER_WORKS = (
    "your own process did a large part of the work: the values computed in the parent and "
    "handed to the pool (the pool only adds them up), or every value shipped back from the "
    "workers and combined in the parent (pickling a million floats costs about as much as "
    "computing them). Let each chunk's task compute its values and return only its count, "
    "math.fsum, min and max: four numbers per chunk")

ONE_WORKER = (
    "one worker process did (nearly) all the work while the others had nothing to do: "
    "every value in one chunk (chunk_size ignored), or all chunks sent to one task. Submit "
    "one task per chunk of chunk_size values, so every worker gets some")


def measure_seq(n_items: int) -> float:
    """CPU seconds of the grader's own chunk function over range(n_items), here and now."""
    start = time.thread_time()
    for low in range(0, n_items, 100_000):
        _grader_chunk(low, min(low + 100_000, n_items))
    return time.thread_time() - start


@functools.cache
def seq_cpu(n_items: int) -> float:
    """measure_seq, once per grading (the hygiene tests' generous threshold)."""
    return measure_seq(n_items)


def shortfall(cpu, seq: float, *, together: bool = False) -> str | None:
    """None when the kernel shows the values computed by several worker processes, the
    caller doing little (with `together`: >= AT_ONCE of them runnable at the same time);
    otherwise which of those it does not show: 'none', 'caller', 'one', 'turns'. The
    caller is looked at once the workers did anything (NONE_MAX): a caller that computed
    while a pool ran beside it is told so, one that did everything alone is not."""
    work = cpu.work()
    if work < NONE_MAX * seq:
        return "none"
    if cpu.caller > CALLER_OF_WORK * work + TICK or cpu.caller > CALLER_OF_SEQ * seq + TICK:
        return "caller"
    if work < WORK_MIN * seq:
        return "none"
    if work - cpu.top() < OTHERS_MIN * seq:
        return "one"
    if together and cpu.at_once() < AT_ONCE:
        return "turns"
    return None


def structural(cpu, seq: float, together: bool = False) -> bool:
    return shortfall(cpu, seq, together=together) is None


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
        # A float sum of chunks differs from fsum in the last digits: say how close counts,
        # or a passing "sum: ...985 (expected ...9976)" reads like a mismatch.
        feedback.measure(key, got, expected=good if key in ("items", "min", "max") else
                         f"{good!r}, equal within {REL:g} relative")
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


def _cpu_measures(feedback, cpu, seq: float) -> None:
    feedback.measure("worker processes seen while crunch() ran", len(cpu.workers()))
    feedback.measure("CPU time used in worker processes", f"{cpu.work():.2f} s",
                     expected=f">= {WORK_MIN * seq:.2f} s ({WORK_MIN:g} x the grader's "
                              f"one-process run, {seq:.2f} s)")
    feedback.measure("CPU time used by crunch()'s own process", f"{cpu.caller:.2f} s",
                     expected=f"<= {min(CALLER_OF_WORK * cpu.work(), CALLER_OF_SEQ * seq):.2f} s"
                              f" ({CALLER_OF_WORK:g} x the workers', {CALLER_OF_SEQ:g} x the "
                              f"grader's run)")
    feedback.measure("CPU time of the workers beyond the busiest one",
                     f"{max(0.0, cpu.work() - cpu.top()):.2f} s",
                     expected=f">= {OTHERS_MIN * seq:.2f} s")


def check_in_processes(feedback, cpu, seq: float, workers: int):
    """The values were computed in worker processes, >= 2 of them, and the caller did
    little (see `shortfall`)."""
    _cpu_measures(feedback, cpu, seq)
    missing = shortfall(cpu, seq)
    expected = (f"{workers} worker processes, each computing some of the chunks, together "
                f"about {seq:.2f} s of CPU; your own process little")
    feedback.check(missing != "none", "The values were not computed in worker processes.",
                   measured=cpu.text(), expected=expected, cause=ONE_PROCESS)
    feedback.check(missing != "caller", "crunch()'s own process did much of the work.",
                   measured=cpu.text(), expected=expected, cause=CALLER_WORKS)
    feedback.check(missing != "one", "One worker process did all the work.",
                   measured=cpu.text(), expected=expected, cause=ONE_WORKER)


def check_did_the_work(feedback, cpu, seq: float, result, n_items: int, what: str) -> None:
    """A hygiene test's points count only where crunch did its work in that test: the
    right result, and worker processes that computed a real part of it (a pool that runs,
    not a stub that starts nothing)."""
    want = expected(n_items)
    right = isinstance(result, dict) and result.get("items") == want["items"] and \
        result.get("max") == want["max"] and _close(result.get("sum"), want["sum"])
    feedback.check(right, f"{what} returned a wrong result: nothing to grade here.",
                   measured=f"{result!r:.200}",
                   expected=f"items {want['items']}, sum {want['sum']!r}, max {want['max']!r}",
                   cause="this test grades how the pool is run, once the result is right: "
                         "the tests of the results say what is wrong")
    work, limit = cpu.work(), HYGIENE_WORK * seq
    feedback.measure("CPU time used in worker processes", f"{work:.2f} s",
                     expected=f">= {limit:.2f} s")
    feedback.check(work >= limit,
                   f"{what} did its work without worker processes: nothing to grade here.",
                   measured=cpu.text(),
                   expected=f"worker processes computing the chunks (>= {limit:.2f} s of CPU "
                            f"together); then they must all be stopped, be max_workers at "
                            f"most, and work under every start method",
                   cause="this test grades how a process pool is run, so it counts only "
                         "once worker processes compute the chunks; here none did (no pool at "
                         "all, or threads). Spread the chunks over a ProcessPoolExecutor "
                         "first: the in-processes test says more")


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


def _heaviest_method(evidence: list) -> str | None:
    """The start method the student's workers used (the costliest seen): the grader's
    pool, timed in the same rounds, starts its workers the same way."""
    seen = set().union(*(cpu.methods() for cpu in evidence)) if evidence else set()
    for method in ("spawn", "forkserver", "fork"):
        if method in seen:
            return method
    return None


def crunch_speedup(crunch, student, feedback, *, n_items, chunk_size, workers, attempts=3):
    """crunch against the grader's sequential loop and the grader's pool, interleaved
    (assignment 3's heavy_speedup, with the kernel's view of the workers). Every run of
    crunch is in a new process of its own (student.fresh()) with inputs of its own (n_items
    and chunk_size a little larger each round), and its result is checked: nothing can be
    remembered from an earlier round. The grader's pool starts its workers with the start
    method the student's did, so both pay the same start-up."""
    from crunch_kernel import Workers
    rounds = 3 * attempts
    # Each round its own chunks (chunk_size + r), as many of them as asked and all full,
    # so a bug of the chunk arithmetic is graded by the tests that own it, not here.
    chunks = -(-n_items // chunk_size)
    plans = [(chunks * (chunk_size + r), chunk_size + r) for r in range(rounds)]
    fresh = [student.fresh() for _ in range(rounds)]
    step = {"base": 0, "mine": 0, "good": 0}
    sums: dict[int, float] = {}
    mine: list = []
    seen: list = []

    def baseline():
        r = step["base"]
        step["base"] += 1
        sums[r] = sequential_crunch(plans[r][0])

    def theirs():
        r = step["mine"]
        step["mine"] += 1
        n, size = plans[r]
        module = fresh[r]
        with Workers(module.session, interval=0.01) as cpu:
            mine.append((r, module.crunch(n, chunk_size=size, max_workers=workers)))
        seen.append(cpu)
        return cpu

    def yardstick():
        r = step["good"]
        step["good"] += 1
        grader_pool_crunch(*plans[r], workers, method=_heaviest_method(seen))

    seq = measure_seq(plans[0][0])
    run = timing.judge_with_yardstick(
        baseline=baseline, candidate=theirs, yardstick=yardstick,
        names=("grader's sequential loop", f"crunch(), {workers} workers",
               f"grader's pool, {workers} workers"),
        workers=workers,
        structural=lambda cpus: any(structural(c, seq, together=True) for c in cpus),
        attempts=attempts, budget=15.0)
    _check_timed_results(feedback, mine, plans, sums)
    _judge_speedup_run(feedback, run, seq, workers, _heaviest_method(seen))


def _judge_speedup_run(feedback, run, seq: float, workers: int, method: str | None) -> None:
    for note in run.notes:
        feedback.note(note)
    good, verdict = run.yardstick, run.verdict
    best = max(run.evidence, key=lambda c: (structural(c, seq), c.at_once()))
    report = timing.describe(run.times)
    feedback.measure(f"speedup over the grader's sequential loop ({verdict.rounds} interleaved "
                     f"rounds)", f"{verdict.measured:.2f}x",
                     expected=f">= {verdict.required:.2f}x" if not verdict.inconclusive
                     else "(inconclusive on this machine now)")
    feedback.measure(f"speedup of the grader's pool ({method or 'fork'} workers), same rounds",
                     f"{good.speedup:.2f}x")
    feedback.measure("parallel capacity used for the verdict", f"{run.capacity:.2f}")
    together = best.at_once()
    feedback.measure("worker processes computing at once, on average (the kernel's count)",
                     f"{together:.2f}", expected=f">= {AT_ONCE:g}")
    if verdict.inconclusive or not run.structural:
        if verdict.inconclusive:
            feedback.note(verdict.explanation)
        missing = shortfall(best, seq, together=True)
        measured = f"{best.text()}; speedup {verdict.measured:.2f}x\n{report}"
        feedback.check(missing != "turns", "crunch()'s worker processes ran one at a time.",
                       measured=f"{together:.2f} worker processes computing at once on average; "
                                + measured,
                       expected=f"{workers} workers computing at the same time "
                                f"(>= {AT_ONCE:g} on average)",
                       cause=TURNS)
        causes = {"none": ONE_PROCESS, "caller": CALLER_WORKS, "one": ONE_WORKER}
        feedback.check(missing is None, "No parallel work to show for crunch().",
                       measured=measured,
                       expected="the chunks computed in >= 2 worker processes, not in yours",
                       cause=causes.get(missing, ONE_PROCESS))
        feedback.note(report)
        return
    feedback.flag(verdict.flag)
    if verdict.passed is False:
        feedback.fail("crunch() was not faster than the grader's one-process loop.",
                      measured=f"{verdict.measured:.2f}x with {len(best.workers())} worker "
                               f"process(es), while the grader's pool reached "
                               f"{good.speedup:.2f}x in the same rounds\n{report}",
                      expected=f">= {verdict.required:.2f}x ({verdict.explanation})",
                      cause="the workers ran, but the gain was lost: a new pool per chunk, "
                            "future.result() right after each submit() (one chunk at a time), "
                            "or all values in one chunk while the other workers had nothing "
                            "to do")
    feedback.note(report)
