"""Helpers shared by the visible and hidden tests of assignment 3 (plain functions;
the fixtures are in conftest.py).

Nothing here is secret: it builds workloads a process pool can ship (module-level,
picklable), the per-item pool the lesson warns about (to time yours against), and
checks that read what happened.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from autograder.checks import compare, timing
from autograder.checks.procs import calibrate_spin, spin, tiny

# ------------------------------------------------------------------ workloads


@dataclasses.dataclass(frozen=True)
class SlowAt:
    """func(x), but the call for x == `at` first waits `delay` s.

    The batch holding that item finishes last, so a solution that collects results in
    the order tasks finish (not the order of the items) gets them out of order every
    time, not just on unlucky runs.
    """

    func: object
    at: object
    delay: float = 0.2

    def __call__(self, x):
        if x == self.at:
            timing.sleep(self.delay)
        return self.func(x)


def label(word: str) -> tuple:
    """A result that is not an int: (WORD, length)."""
    return (word.upper(), len(word))


_SPIN_PER_SECOND: list[float] = []


def spin_for(seconds: float) -> int:
    """The n for which spin(n) takes about `seconds` (calibrated once per run)."""
    if not _SPIN_PER_SECOND:
        _SPIN_PER_SECOND.append(calibrate_spin(0.05) / 0.05)
    return max(1000, int(_SPIN_PER_SECOND[0] * seconds))


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

def check_results(feedback, result, items, func, *, what="parallel_map()"):
    """`result` must equal [func(x) for x in items], in that order."""
    plain = func.func if isinstance(func, SlowAt) else func     # no need to wait here
    expected = [plain(x) for x in items]
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
    if Counter(map(repr, result)) == Counter(map(repr, expected)):
        feedback.fail(f"{what} returned the right results in the wrong order.",
                      measured=f"result[{first}] = {result[first]!r}",
                      expected=f"result[{first}] = func(items[{first}]) = {expected[first]!r}",
                      cause=ORDER)
    feedback.fail(f"{what} returned wrong results.",
                  measured=f"result[{first}] = {result[first]!r}",
                  expected=f"result[{first}] = func(items[{first}]) = {expected[first]!r}",
                  cause="a result paired with the wrong item, or replaced (None where func "
                        "raised?): every result must be func(item), in the items' order")


def check_batched(feedback, log, n_items, workers, *, what="parallel_map()"):
    """At most a few tasks per worker were shipped for `n_items` tiny items."""
    limit = 4 * workers + 4
    shipped = log.pickles
    feedback.measure(f"tasks shipped to the pool for {n_items} tiny items", shipped,
                     expected=f"<= {limit} (a few batches per worker)")
    feedback.check(shipped <= limit,
                   f"{what} shipped {shipped} tasks to the pool for {n_items} tiny items.",
                   measured=f"{shipped} tasks shipped for {workers} worker(s) "
                            f"(the function was pickled {shipped} times)",
                   expected=f"at most {limit}: about 4 batches per worker",
                   cause=PER_ITEM)


def check_in_processes(feedback, log, workers, *, what="the calls of func"):
    """The calls ran in at least 2 worker processes, at overlapping times."""
    pids = log.worker_pids
    overlap = log.max_overlap()
    feedback.measure("worker processes that ran func", len(pids), expected=f">= 2 (of {workers})")
    feedback.measure("most calls running at the same instant", overlap, expected=">= 2")
    if len(pids) < 2 or overlap < 2:
        all_pids = sorted(log.pids)
        feedback.fail("The heavy items did not run in several processes at once.",
                      measured=f"{what} ran in {len(pids)} worker process(es) "
                               f"(PIDs seen: {all_pids}; the grader is {log.owner}), "
                               f"at most {overlap} at the same instant",
                      expected=f"{workers} worker processes, their calls overlapping in time",
                      cause=ONE_PROCESS)


def heavy_speedup(parallel_map, call_log, feedback, *, items, workers, attempts=3):
    """Time parallel_map against [spin(x) for x in items] and the grader's per-item pool
    (known good for heavy items), interleaved, and judge it with
    timing.judge_with_yardstick; the structural evidence is calls in >= 2 worker
    processes, overlapping."""
    def theirs():
        log = call_log(spin)
        parallel_map(log, items, max_workers=workers)
        return log

    def structural(logs):
        return (max(len(log.worker_pids) for log in logs) >= 2
                and max(log.max_overlap() for log in logs) >= 2)

    run = timing.judge_with_yardstick(
        baseline=lambda: [spin(x) for x in items], candidate=theirs,
        yardstick=lambda: per_item_pool(spin, items, workers),
        names=("sequential loop", f"parallel_map, {workers} workers",
               f"grader's pool, {workers} workers"),
        workers=workers, structural=structural, attempts=attempts)
    for note in run.notes:
        feedback.note(note)
    times, cmp, good, verdict, capacity = run.times, run.comparison, run.yardstick, run.verdict, run.capacity
    structural, matched = run.structural, run.matched
    pids = max(len(log.worker_pids) for log in run.evidence)
    overlap = max(log.max_overlap() for log in run.evidence)
    report = timing.describe(times)
    feedback.measure("speedup over the sequential loop (median of 3, interleaved)",
                     f"{cmp.speedup:.2f}x",
                     expected=f">= {verdict.required:.2f}x" if not verdict.inconclusive
                     else "(inconclusive on this machine now)")
    feedback.measure("speedup of the grader's pool, same rounds", f"{good.speedup:.2f}x")
    feedback.measure("parallel capacity used for the verdict", f"{capacity:.2f}")
    feedback.measure("worker processes that ran func", pids, expected=">= 2")
    if verdict.inconclusive or not structural:
        if verdict.inconclusive:
            feedback.note(verdict.explanation)
        feedback.check(structural, "No parallel work to show for the heavy items.",
                       measured=f"{pids} worker process(es), at most {overlap} call(s) at once; "
                                f"speedup {cmp.speedup:.2f}x\n{report}",
                       expected="calls in >= 2 worker processes, overlapping in time",
                       cause=ONE_PROCESS)
        feedback.note(report)
        return
    if verdict.passed is False and not matched:
        feedback.fail("The heavy items were not computed faster than a plain loop.",
                      measured=f"{cmp.speedup:.2f}x with {pids} worker process(es), while the "
                               f"grader's pool reached {good.speedup:.2f}x in the same rounds"
                               f"\n{report}",
                      expected=f">= {verdict.required:.2f}x ({verdict.explanation})",
                      cause="the workers ran, but the gain was lost: a new pool per batch, "
                            "batches run one after another, or heavy items piled into one "
                            "batch while the other workers had nothing to do")
    feedback.note(report)


def tiny_speedup(parallel_map, feedback, *, n_items, workers, required=3.0):
    """Time parallel_map against the per-item pool on `n_items` tiny items."""
    items = list(range(n_items))
    cmp = compare(lambda: parallel_map(tiny, items, max_workers=workers),
                  lambda: per_item_pool(tiny, items, workers), repeats=3,
                  candidate_name="parallel_map", baseline_name="one submit() per item")
    feedback.measure(f"faster than one task per item, {n_items} tiny items "
                     "(median of 3, interleaved)", f"{cmp.speedup:.1f}x",
                     expected=f">= {required:g}x")
    if cmp.speedup >= required:
        feedback.note(cmp.text())
    feedback.check(cmp.speedup >= required,
                   f"On {n_items} tiny items parallel_map() was only {cmp.speedup:.1f}x "
                   f"faster than a pool that ships every item on its own.",
                   measured=f"{cmp.speedup:.2f}x\n{cmp.text()}",
                   expected=f"at least {required:g}x (a batched pool is ~20x faster here)",
                   cause=PER_ITEM)
