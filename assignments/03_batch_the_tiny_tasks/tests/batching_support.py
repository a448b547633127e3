"""Helpers shared by the visible and hidden tests of assignment 3 (plain functions;
the fixtures are in conftest.py).

Nothing here is secret: it builds the work a process pool ships (the grader's keyed
workloads, grading/ckworker/workloads.py: a result can only be had by doing the work,
under a key drawn for each test), the per-item pool the lesson warns about (to time
yours against), and checks of what the kernel saw (grading/evidence.py): which processes
used CPU, how much your own process used, how many writes it made into the pool's pipes.
"""
from __future__ import annotations

import os
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from autograder.checks import compare, timing
from autograder.grading.ckworker import workloads as w

_thread_time = time.thread_time

# ------------------------------------------------------------------ workloads

TINY_ROUNDS = 50           # a few microseconds of work per item: far less than shipping it


def fresh_key() -> str:
    return os.urandom(16).hex()


def tiny():
    """Work far smaller than the cost of shipping it to another process."""
    return w.Tiny(key=fresh_key(), rounds=TINY_ROUNDS)


def spin():
    """Pure-Python CPU work: spin(n) takes about n steps."""
    return w.Spin(key=fresh_key())


def slow_at(inner, at, delay: float = 0.2):
    """inner(x), but the call for x == `at` first waits `delay` s: the batch holding that
    item finishes last, so collecting results in the order tasks finish gets them out of
    order every time, not just on unlucky runs."""
    return w.SlowAt(inner=inner, at=at, delay=delay)


def fail_on(bad, inner=None):
    """func raising WorkerError(x) for x in `bad` (inner(x) for the others)."""
    return w.fail_on(fresh_key(), bad, inner or tiny())


def label():
    """A result that is not an int: (WORD, a keyed tag)."""
    return w.Label(key=fresh_key())


def plain(func):
    """The workload without its sleep, to compute what it must return."""
    return func.inner if isinstance(func, w.SlowAt) else func


_SPIN_PER_SECOND: list[float] = []


def spin_for(seconds: float) -> int:
    """The n for which spin(n) takes about `seconds` of CPU here (calibrated once, in
    this thread's CPU time, so a busy machine does not shrink the work)."""
    if not _SPIN_PER_SECOND:
        probe, n = spin(), 50_000
        while True:
            start = _thread_time()
            probe(n)
            took = _thread_time() - start
            if took > 0.03:
                _SPIN_PER_SECOND.append(n / took)
                break
            n *= 2
    return max(1000, int(_SPIN_PER_SECOND[0] * seconds))


def expected_and_cpu(func, items) -> tuple[list, float]:
    """[func(x) for x in items] as the grader computes it, and the CPU seconds it took."""
    start = _thread_time()
    out = [plain(func)(x) for x in items]
    return out, _thread_time() - start


def expected_meanwhile(func, items):
    """expected_and_cpu(func, items) computed in a thread of the grader's while the test
    calls the student's code (which runs in other processes: the kernel's CPU counts stay
    theirs); the returned function waits for it. Tiny items are many: this saves the wait."""
    box: dict = {}

    def work():
        box["value"] = expected_and_cpu(func, list(items))
    thread = threading.Thread(target=work, name="ck-expected", daemon=True)
    thread.start()

    def result() -> tuple[list, float]:
        thread.join()
        return box["value"]
    return result


def per_item_pool(func, items, max_workers):
    """The lesson's anti-pattern, as the baseline: one submit() per item."""
    with ProcessPoolExecutor(max_workers=max_workers) as executor:
        futures = [executor.submit(func, x) for x in items]
        return [f.result() for f in futures]


# ------------------------------------------------------------------- causes

PER_ITEM = (
    "every item travelled to a worker on its own. Each task pickles the function and its "
    "argument, sends them to another process, and sends the result back: for a tiny item "
    "that round trip costs far more than the work (lesson III, 'When NOT to use "
    "multiprocessing'). The lesson: 'DO: batch tiny tasks together' — cut the items into a "
    "few batches per worker and submit one task per batch (executor.map(func, items) "
    "without a chunksize also sends one task per item)")

ORDER = (
    "results were collected in the order the tasks finished (as_completed), not the order "
    "of the items: a batch that finishes early jumps the queue. Keep the futures in a list "
    "in submission order and read them in that order, or use executor.map")

ONE_PROCESS = (
    "the work never left one process: threads (the GIL lets one thread think at a time: "
    "'DON'T: use threads for heavy CPU work'), no pool at all, or every item in one "
    "batch. CPU-bound work needs a ProcessPoolExecutor, and at least one batch per worker")

NOT_IN_POOL = (
    "the items were computed in your own process, not in the pool's workers: a plain loop, "
    "threads, or the results worked out before (or instead of) handing the batches to the "
    "pool. Batching means the pool still does the work, a few batches per worker: "
    "submit(run_batch, func, batch) and collect what the workers return")

SPAWN = (
    "a worker started with spawn or forkserver is a fresh interpreter: it imports your "
    "module and finds only what is defined at its top level. A function kept in a global "
    "variable by the caller (only fork copies it), a lambda or a nested function does not "
    "get there. Pass func along with every batch to a module-level batch runner: "
    "submit(run_batch, func, batch)")

LEAK = (
    "the pool was never shut down, so its worker processes outlive the call: use "
    "`with ProcessPoolExecutor(...) as executor:` (its exit waits for the workers), or "
    "call executor.shutdown(wait=True) before returning, also when a task raised")


# ------------------------------------------------------------------- checks

def check_results(feedback, result, items, func, *, what="parallel_map()", expected=None,
                  order=True):
    """`result` must equal [func(x) for x in items], in that order (in any order where
    not `order`: a few tests own the order, so one bug costs once)."""
    if expected is None:
        expected, _ = expected_and_cpu(func, items)
    n = len(expected)
    if not isinstance(result, list):
        feedback.fail(f"{what} must return a list.",
                      measured=f"it returned {type(result).__name__}: {result!r:.100}",
                      expected=f"a list of {n} results",
                      cause="results returned as a generator, map object or tuple: build a "
                            "list (list(...) or results.extend(...))")
    feedback.measure("results returned", len(result), expected=n)
    if result == expected:
        return
    if len(result) != n:
        feedback.fail(f"{what} returned {len(result)} results for {n} items.",
                      measured=f"{len(result)} results", expected=f"{n}: one per item",
                      cause="items lost or repeated where the batches meet: the batches must "
                            "cover every item exactly once (the last one takes the rest)")
    first = next(i for i in range(n) if result[i] != expected[i])
    same = Counter(map(repr, result)) == Counter(map(repr, expected))
    if same and not order:
        return
    if same:
        feedback.fail(f"{what} returned the right results in the wrong order.",
                      measured=f"result[{first}] = {result[first]!r}",
                      expected=f"result[{first}] = func(items[{first}]) = {expected[first]!r}",
                      cause=ORDER)
    feedback.fail(f"{what} returned wrong results.",
                  measured=f"result[{first}] = {result[first]!r}",
                  expected=f"result[{first}] = func(items[{first}]) = {expected[first]!r}",
                  cause="a result paired with the wrong item, or replaced (None where func "
                        "raised?): every result must be func(item), in the items' order")


def write_limit(workers: int) -> int:
    """Writes into the pool's pipes a batched run may make: a few batches per worker, one
    or two writes each, and the pool's own start and stop."""
    return 4 * (4 * workers + 4)


def check_batched(feedback, cpu, n_items, workers, work_cpu, *, what="parallel_map()"):
    """A few tasks per worker were shipped for `n_items` tiny items (the kernel's count of
    the caller's pipe writes), and the pool's workers did the work (their CPU time)."""
    limit = write_limit(workers)
    feedback.measure(f"writes into the pool's pipes for {n_items} tiny items", cpu.writes,
                     expected=f"<= {limit} (one or two per task: a few batches per worker)")
    feedback.measure("CPU time of the pool's workers", f"{cpu.children:.2f} s",
                     expected=f">= {0.5 * work_cpu:.2f} s (half the work)")
    feedback.measure("CPU time of your own process", f"{cpu.caller:.2f} s",
                     expected=f"<= {max(0.6 * work_cpu, 0.05):.2f} s")
    feedback.check(cpu.writes <= limit,
                   f"{what} shipped about {cpu.writes // 2} tasks to the pool for {n_items} "
                   f"tiny items.",
                   measured=f"{cpu.writes} writes into the pool's pipes for {workers} "
                            f"worker(s) (a pool writes one or two per task)",
                   expected=f"at most {limit}: about 4 batches per worker",
                   cause=PER_ITEM)
    feedback.check(cpu.children >= 0.5 * work_cpu and cpu.caller <= max(0.6 * work_cpu, 0.05),
                   "The tiny items were not computed by the pool's workers.",
                   measured=cpu.text(),
                   expected=f"the workers computing them: together about {work_cpu:.2f} s of "
                            f"CPU, your own process little",
                   cause=NOT_IN_POOL)


AT_ONCE = 1.4    # worker processes ready to compute at once, on average, for "in parallel"
TURNS = ("the worker processes took turns: each batch's result waited for before the next "
         "batch was sent, or a new pool per batch. Send every batch first, then collect")


def parallel_evidence(cpu, work_cpu, together: bool = False) -> bool:
    """The work ran in >= 2 worker processes, and not in the caller: the kernel's count;
    with `together`, two or more of them ran at the same time (the kernel's runnable time:
    a busy machine that makes them wait for a CPU still shows it)."""
    return (len(cpu.busy()) >= 2 and cpu.children >= 0.5 * work_cpu
            and cpu.caller <= 0.35 * work_cpu + 0.02
            and (not together or cpu.at_once() >= AT_ONCE))


def check_in_processes(feedback, cpu, work_cpu, workers):
    """At least 2 worker processes did a real share of the work, and the caller little."""
    busy = cpu.busy()
    feedback.measure("worker processes that did >= 15% of the work", len(busy),
                     expected=f">= 2 (of {workers})")
    feedback.measure("CPU time of the workers / of your own process",
                     f"{cpu.children:.2f} s / {cpu.caller:.2f} s",
                     expected=f">= {0.5 * work_cpu:.2f} s / little")
    if not parallel_evidence(cpu, work_cpu):
        feedback.fail("The heavy items did not run in several processes.",
                      measured=cpu.text() + f"; {len(busy)} worker(s) did a real share",
                      expected=f"{workers} worker processes, each computing some of the "
                               f"items, together about {work_cpu:.2f} s of CPU",
                      cause=ONE_PROCESS if cpu.children < 0.5 * work_cpu else NOT_IN_POOL)


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

    def baseline():
        r = step["base"]
        step["base"] += 1
        loops[r] = [keyed[r](x) for x in items]

    def theirs():
        r = step["mine"]
        step["mine"] += 1
        with tree_cpu() as cpu:
            mine.append((r, parallel_map(keyed[r], items, max_workers=workers)))
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
        yardstick=lambda: per_item_pool(base, items, workers),
        names=("sequential loop", f"parallel_map, {workers} workers",
               f"grader's pool, {workers} workers"),
        workers=workers, structural=structural, attempts=attempts)
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
    is_structural, matched = run.structural, run.matched
    busy = max(len(cpu.busy()) for cpu in run.evidence)
    report = timing.describe(times)
    feedback.measure("speedup over the sequential loop (median of 3, interleaved)",
                     f"{cmp.speedup:.2f}x",
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
    if verdict.passed is False and not matched:
        feedback.fail("The heavy items were not computed faster than a plain loop.",
                      measured=f"{cmp.speedup:.2f}x with {busy} busy worker process(es), while "
                               f"the grader's pool reached {good.speedup:.2f}x in the same "
                               f"rounds\n{report}",
                      expected=f">= {verdict.required:.2f}x ({verdict.explanation})",
                      cause="the workers ran, but the gain was lost: a new pool per batch, "
                            "batches run one after another, or heavy items piled into one "
                            "batch while the other workers had nothing to do")
    feedback.note(report)


def tiny_speedup(parallel_map, feedback, *, n_items, workers, required=3.0):
    """Time parallel_map against the per-item pool on `n_items` tiny items (a fresh func
    for every run of yours)."""
    items = list(range(n_items))
    base = tiny()
    runs = []

    def theirs():
        func = tiny()
        runs.append((func, parallel_map(func, items, max_workers=workers)))

    cmp = compare(theirs, lambda: per_item_pool(base, items, workers), repeats=3,
                  candidate_name="parallel_map", baseline_name="one submit() per item")
    for func, result in runs:
        probe = {func(items[0]), func(items[n_items // 2]), func(items[-1])}
        feedback.check(isinstance(result, list) and len(result) == n_items and
                       probe <= set(result),
                       "parallel_map() returned wrong results in a timed run.",
                       measured=f"{type(result).__name__} of "
                                f"{len(result) if isinstance(result, list) else '?'}",
                       expected=f"{n_items} results of this run's func (each run gets a new one)",
                       cause="results remembered from an earlier call, or not computed by "
                             "func: every call must compute func(x) for its own items")
    feedback.measure(f"faster than one task per item, {n_items} tiny items "
                     "(median of 3, interleaved)", f"{cmp.speedup:.1f}x",
                     expected=f">= {required:g}x")
    if cmp.speedup >= required:
        feedback.note(cmp.text())
    feedback.check(cmp.speedup >= required,
                   f"On {n_items} tiny items parallel_map() was only {cmp.speedup:.1f}x "
                   f"faster than a pool that ships every item on its own.",
                   measured=f"{cmp.speedup:.2f}x\n{cmp.text()}",
                   expected=f"at least {required:g}x (a batched pool is several times faster "
                            f"here)",
                   cause=PER_ITEM)
