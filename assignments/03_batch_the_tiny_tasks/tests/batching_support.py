"""Helpers shared by the visible and hidden tests of assignment 3 (plain functions;
the fixtures are in conftest.py).

Nothing here is secret: it builds the work a process pool ships (the grader's keyed
workloads, grading/ckworker/workloads.py: a result can only be had by doing the work,
under a key drawn for each test) and checks of what the kernel saw (grading/evidence.py):
which processes used CPU, how much your own process used, how many writes it made into the
pool's pipes. The timed tests are in batching_speed.py, the grader's pools (started the way
yours were) in batching_pools.py.
"""
from __future__ import annotations

import os
import threading
import time
from collections import Counter

from autograder.checks.pools import start_method_of, startup_writes
from autograder.grading.ckworker import workloads as w

_thread_time = time.thread_time

# ------------------------------------------------------------------ workloads

TINY_ROUNDS = 50           # a few microseconds of work per item: far less than shipping it


def fresh_key() -> str:
    return os.urandom(16).hex()


def tiny(rounds: int = TINY_ROUNDS):
    """Work far smaller than the cost of shipping it to another process."""
    return w.Tiny(key=fresh_key(), rounds=rounds)


SHOWN = 0.15     # CPU seconds of work a call gets where it must show who did the work


def sized(n_items: int, seconds: float = SHOWN):
    """Tiny-item work of the same kind, heavier per item, so that `n_items` items take
    about `seconds` of CPU: enough for the kernel's CPU count (in 10 ms ticks) to show
    which processes did it, also for a handful of items."""
    spin_for(0.01)                                    # calibrated once
    return tiny(max(TINY_ROUNDS, int(_SPIN_PER_SECOND[0] * seconds / max(1, n_items))))


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


NO_WORKER = (
    "no process pool did the work: a plain loop, or threads (a ThreadPoolExecutor's "
    "threads live in your own process, and the GIL lets one of them compute at a time). "
    "Whatever else a test measures here (batches, speed, workers left behind, start "
    "methods, max_workers) is about a process pool's workers computing the items: send "
    "them to a ProcessPoolExecutor (or a multiprocessing.Pool), a few batches per worker")


SHIPPING = 1e-4   # CPU seconds of your own process allowed per pipe write: shipping a task


def caller_bound(cpu, work_cpu) -> float:
    """CPU your own process may use while the workers compute: a little of the work, plus
    what shipping its tasks costs (pickling, the pool's threads: ~0.1 ms a pipe write),
    so a pool that ships many small tasks is not taken for one that computed them."""
    return max(0.6 * work_cpu, 0.05) + SHIPPING * cpu.writes


def children_need(cpu, work_cpu) -> float:
    """CPU the workers must show: half the work. The work is what the items cost the
    grader, or what your whole process tree used if that is less (down to half the
    grader's price): two cores of a shared machine can differ 2x in speed at the same
    moment, and the split of your own tree's CPU, counted together, does not depend on
    which core was slow."""
    return half_the_work(work_cpu, cpu.children + cpu.caller)


def half_the_work(work_cpu: float, tree_cpu: float) -> float:
    """children_need() from its two numbers: the grader's price of the work and what the
    student's tree used (one call, or several calls summed)."""
    return 0.5 * min(work_cpu, max(tree_cpu, 0.5 * work_cpu))


def in_workers(cpu, work_cpu) -> bool:
    """The pool's worker processes computed the items, not the caller: the kernel's CPU
    count of each (`work_cpu`: what the items cost the grader)."""
    return cpu.children >= children_need(cpu, work_cpu) and cpu.caller <= caller_bound(cpu, work_cpu)


def check_in_workers(feedback, cpu, work_cpu, *, what="parallel_map()", caller=True):
    """Fail unless worker processes did the work (with `caller`, and not the caller too):
    every other verdict of a test is worth points only with this one."""
    bound, need = caller_bound(cpu, work_cpu), children_need(cpu, work_cpu)
    feedback.measure("CPU time of the pool's workers / of your own process",
                     f"{cpu.children:.2f} s / {cpu.caller:.2f} s",
                     expected=f">= {need:.2f} s (half the work) / "
                              + (f"<= {bound:.2f} s" if caller else "any"))
    expected = (f"the pool's worker processes computing the items: together about "
                f"{work_cpu:.2f} s of CPU" + (", your own process little" if caller else ""))
    if cpu.children < need:
        none = "no work" if cpu.children < 0.01 else "hardly any work"
        feedback.fail(f"{none.capitalize()} reached a worker process: {what} computed the "
                      f"items in your own process.",
                      measured=cpu.text(), expected=expected, cause=NO_WORKER)
    feedback.check(not caller or cpu.caller <= bound,
                   "The items were computed in your own process, not by the pool's workers.",
                   measured=f"{cpu.text()}; {cpu.writes} writes into pipes",
                   expected=expected, cause=NOT_IN_POOL)


def worked(parallel_map, guard, tree_cpu, feedback, *, n_items=3000, workers=2,
           what="parallel_map()"):
    """One call on `n_items` items heavy enough to show who computed them: its results
    must be right (in any order) and the pool's workers must have computed them. What a
    hygiene test (workers left behind, start methods, empty input) checks is worth points
    only where the function did its work in that same test."""
    items = list(range(n_items))
    func = sized(n_items)
    expected = expected_meanwhile(func, items)
    with tree_cpu() as cpu:
        result = guard.call(parallel_map, func, items, max_workers=workers, deadline=20,
                            what=what)
    want, work = expected()
    check_results(feedback, result, items, func, expected=want, order=False, what=what)
    check_in_workers(feedback, cpu, work, what=what)
    return cpu


def write_limit(workers: int, method: str = "fork") -> int:
    """Writes into the pool's pipes a batched run may make: up to 8 batches per worker,
    three writes each at most (a ProcessPoolExecutor's; a multiprocessing.Pool makes one
    or two), the start and stop of a fork pool, and what a pool started with spawn or
    forkserver writes beyond that (to its workers and to the resource tracker: measured
    here, autograder/checks/pools.py). One task per item makes thousands."""
    return 8 + 30 * workers + startup_writes(method, workers)


def check_batched(feedback, cpu, n_items, workers, work_cpu, *, what="parallel_map()"):
    """The pool's workers did the work (their CPU time), and a few tasks per worker were
    shipped for `n_items` tiny items (the kernel's count of the caller's pipe writes)."""
    check_in_workers(feedback, cpu, work_cpu, what=what, caller=False)   # the caller: last
    method = start_method_of(cpu)
    limit = write_limit(workers, method)
    feedback.measure(f"writes into the pool's pipes for {n_items} tiny items", cpu.writes,
                     expected=f"<= {limit} (one to three per task: a few batches per worker; "
                              f"workers started with {method})")
    feedback.check(cpu.writes <= limit,
                   f"{what} shipped about {cpu.writes // 2} tasks to the pool for {n_items} "
                   f"tiny items.",
                   measured=f"{cpu.writes} writes into the pool's pipes for {workers} "
                            f"worker(s) (a pool writes one to three per task)",
                   expected=f"at most {limit}: a few batches per worker (up to about 8)",
                   cause=PER_ITEM)
    feedback.check(cpu.caller <= caller_bound(cpu, work_cpu),
                   "The items were computed in your own process, not by the pool's workers.",
                   measured=f"{cpu.text()}; {cpu.writes} writes into pipes",
                   expected=f"the pool's worker processes computing the items: together about "
                            f"{work_cpu:.2f} s of CPU, your own process at most "
                            f"{caller_bound(cpu, work_cpu):.2f} s", cause=NOT_IN_POOL)


AT_ONCE = 1.4    # worker processes ready to compute at once, on average, for "in parallel"
TURNS = ("the worker processes took turns: each batch's result waited for before the next "
         "batch was sent, or a new pool per batch. Send every batch first, then collect")


def parallel_evidence(cpu, work_cpu, together: bool = False) -> bool:
    """The work ran in >= 2 worker processes, and not in the caller: the kernel's count;
    with `together`, two or more of them ran at the same time (the kernel's runnable time:
    a busy machine that makes them wait for a CPU still shows it)."""
    return (len(cpu.busy()) >= 2 and cpu.children >= children_need(cpu, work_cpu)
            and cpu.caller <= 0.35 * work_cpu + 0.02
            and (not together or cpu.at_once() >= AT_ONCE))


def check_in_processes(feedback, cpu, work_cpu, workers):
    """At least 2 worker processes did a real share of the work, and the caller little."""
    busy = cpu.busy()
    feedback.measure("worker processes that did >= 15% of the work", len(busy),
                     expected=f">= 2 (of {workers})")
    feedback.measure("CPU time of the workers / of your own process",
                     f"{cpu.children:.2f} s / {cpu.caller:.2f} s",
                     expected=f">= {children_need(cpu, work_cpu):.2f} s / little")
    if not parallel_evidence(cpu, work_cpu):
        feedback.fail("The heavy items did not run in several processes.",
                      measured=cpu.text() + f"; {len(busy)} worker(s) did a real share",
                      expected=f"{workers} worker processes, each computing some of the "
                               f"items, together about {work_cpu:.2f} s of CPU",
                      cause=ONE_PROCESS if cpu.children < children_need(cpu, work_cpu)
                      else NOT_IN_POOL)
