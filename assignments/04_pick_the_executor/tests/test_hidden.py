"""Assignment 4, hidden tests: the same behaviours on other workloads, and run_best timed
on thinking and tiny work.

Never shipped to students; `make grade` runs them, `make check` does not.
"""
from __future__ import annotations

import statistics

import pytest
from workloads import (STRATEGY_NAMES, YOURS, check_choice_value, check_results, ms,
                       near_best, processes, race, race_text, sequential, thinking, threads,
                       tiny, waiting, web as web_work)

from autograder.checks import Comparison, judge_speedup, timing

pytestmark = pytest.mark.visibility("after_published")


@pytest.mark.points(2)
@pytest.mark.timing
def test_mocked_requests_pick_threads(choose_executor, guard, web, feedback):
    """web requests (20 URLs answering in 20 ms) pick 'threads'"""
    work = web_work(web, 20, latency=0.02)     # each call: one request, answered here
    choice = guard.call(choose_executor, work.func, work.items, deadline=5,
                        what="choose_executor() on 20 web requests")
    check_choice_value(feedback, choice)
    feedback.measure("choice for 20 requests of 20 ms (0.4 s in all)", repr(choice),
                     expected="'threads'")
    feedback.measure("requests made while choosing", web.count)
    feedback.check(choice == "threads", f"Web requests picked {choice!r}.",
                   measured=f"{choice!r} for 20 requests that each wait 20 ms for the server",
                   expected="'threads': a request is waiting work ('I/O-bound work benefits "
                            "from threads')",
                   cause="a request was taken for thinking work because it takes time. Wall "
                         "time alone cannot tell waiting from thinking: while a request waits "
                         "for the server, time.thread_time() hardly moves (the GIL is handed "
                         "on), so the CPU share is a few percent"
                   if choice != "sequential" else
                   "0.4 s of waiting was taken for too small to be worth a pool: estimate the "
                   "total as the mean time per sampled item x the number of items")


@pytest.mark.points(2)
@pytest.mark.timing
def test_small_thinking_work_stays_sequential(choose_executor, guard, feedback):
    """pure-Python work of a few milliseconds in all stays 'sequential'"""
    work = thinking(8, 0.0005)
    choice = guard.call(choose_executor, work.func, work.items, deadline=5,
                        what="choose_executor() on 8 items of ~0.5 ms of pure-Python work")
    check_choice_value(feedback, choice)
    feedback.measure("choice for 8 x ~0.5 ms of thinking (~4 ms in all)", repr(choice),
                     expected="'sequential'")
    feedback.check(choice == "sequential", f"A few milliseconds of work picked {choice!r}.",
                   measured=f"{choice!r} for about 4 ms of work in all",
                   expected="'sequential': 'Is it worth parallelizing? (>0.1s total work)' - no",
                   cause="the amount of work was never weighed: a process pool takes tens of "
                         "milliseconds just to start its workers and a thread pool about one, "
                         "as much as this whole job. Estimate the total (time per sampled item "
                         "x number of items) and compare it with the pool's overhead before "
                         "asking what kind of work it is.")


@pytest.mark.points(3)
@pytest.mark.timing
def test_run_best_thinking_work_in_processes(run_best, student, feedback):
    """run_best on thinking work runs it in worker processes, faster than a plain loop"""
    job = thinking(10, 0.02)
    items = job.items
    what = "10 items of ~20 ms of pure-Python work"
    budget = timing.cpu_budget()
    outputs = []

    def yours():                      # every run its own work: nothing to remember
        work = job.fresh()
        outputs.append((work, run_best(work.func, items)))

    # Structure first, no clock involved: which processes ran the work? Every call of func
    # reaches the judge's ledger from the process that ran it (the kernel's word).
    first = timing.time_call(yours)
    check_results(feedback, outputs[0][1], outputs[0][0], what=what, any_order=True)
    pids = outputs[0][0].ledger.pids() - {student.session.pid}
    feedback.measure("worker processes that ran func", len(pids), expected=">= 2")
    if budget.effective < 1.5:
        feedback.note(f"This machine has {budget.describe()}: no pool can run thinking work "
                      f"faster here, so neither processes nor a speedup are required.")
        return
    if len(pids) < 2:
        loop = timing.time_call(lambda: sequential(job.local, items))
        feedback.fail(f"run_best() ran thinking work in {len(pids)} worker process(es).",
                      measured=f"func ran in {len(pids)} process(es) besides the grader's; "
                               f"run_best took {ms(first)}, a plain loop {ms(loop)}\n"
                               + timing.bars({YOURS: first, STRATEGY_NAMES["sequential"]: loop}),
                      expected=f"the work spread over at least 2 worker processes "
                               f"({budget.describe()})",
                      cause="pure-Python work ran in the calling process: in threads (which "
                            "share one GIL, one bathroom key, so they take turns) or in a plain "
                            "loop. Check that choose_executor picks 'processes' for thinking "
                            "work and that run_best then really uses a ProcessPoolExecutor.")
    # Then the clock: side by side with a plain loop and the grader's own process pool.
    runners = {
        STRATEGY_NAMES["sequential"]: lambda: sequential(job.local, items),
        STRATEGY_NAMES["processes"]: lambda: processes(job.local, items),
        YOURS: yours,
    }
    capacity = timing.parallel_capacity()
    if min(2.0, budget.effective, capacity) < 1.25:
        feedback.note(f"This machine can run only {capacity:.2f} CPU-bound worker(s) at once right "
                      f"now ({budget.describe()}), so no process pool can show a speedup here: "
                      f"passed on the evidence of {len(pids)} worker processes, without timing.")
        return
    times = race(runners, rounds=3, far=None)
    for work, result in outputs[1:]:
        check_results(feedback, result, work, what=what, any_order=True)
    seq, pool, mine = (times[STRATEGY_NAMES["sequential"]], times[STRATEGY_NAMES["processes"]],
                       times[YOURS])
    cmp = Comparison(STRATEGY_NAMES["sequential"], YOURS, seq, mine)
    verdict = judge_speedup(cmp, workers=2, cpu_bound=True, capacity=capacity)
    feedback.measure("speedup over the sequential loop (median of 3, interleaved)",
                     f"{cmp.speedup:.2f}x")
    feedback.measure("speedup required here", f"{verdict.required:.2f}x")
    feedback.note(race_text(times))
    if verdict.passed:
        return
    if verdict.inconclusive:
        feedback.note(verdict.explanation)
        return
    # The speedup was not shown. Never fail a student for the machine: if the grader's own
    # process pool, measured side by side, was no faster, the machine was busy.
    mine_med, pool_med = statistics.median(mine), statistics.median(pool)
    if mine_med <= 1.3 * pool_med + 0.05 or min(mine) <= 1.3 * min(pool) + 0.05:
        feedback.note(f"The speedup over the loop was {cmp.speedup:.2f}x (less than "
                      f"{verdict.required:.2f}x), but the grader's own process pool, run side by "
                      f"side, took {pool_med * 1000:.0f} ms against your {mine_med * 1000:.0f} ms: "
                      f"the machine, not your code, was slow. Passed on the evidence of "
                      f"{len(pids)} worker processes.")
        return
    feedback.fail(f"run_best() was only {cmp.speedup:.2f}x faster than a plain loop on "
                  f"thinking work.",
                  measured=f"{cmp.speedup:.2f}x; run_best median {mine_med * 1000:.0f} ms, the "
                           f"grader's process pool {pool_med * 1000:.0f} ms\n" + race_text(times),
                  expected=f"{verdict.explanation}, or within 1.3x of the grader's own pool",
                  cause="the processes do much less than they could: a new pool per item, items "
                        "shipped one at a time, work done twice (the sample run again), or "
                        "fewer workers than CPUs")


@pytest.mark.points(2)
@pytest.mark.timing
def test_run_best_tiny_near_best(run_best, student, feedback):
    """run_best on tiny work is about as fast as the best of the three strategies"""
    job = tiny(500)
    items = job.items
    outputs = []

    def yours():                      # every run its own work: nothing to remember
        work = job.fresh()
        outputs.append((work, run_best(work.func, items)))

    runners = {
        STRATEGY_NAMES["sequential"]: lambda: sequential(job.local, items),
        STRATEGY_NAMES["threads"]: lambda: threads(job.local, items),
        STRATEGY_NAMES["processes"]: lambda: processes(job.local, items),
        YOURS: yours,
    }
    times = race(runners, rounds=5)
    for work, result in outputs:
        check_results(feedback, result, work, what="500 tiny items", any_order=True)
    # A call into your process costs the grader's transport too (the items go there and
    # the results come back): that much more is allowed, measured on the same machine now.
    cost = student.session.call_cost((items,))
    feedback.measure("the cost of a call that does nothing, with these items", ms(cost))
    near_best(feedback, times, n_items=len(items), what="500 tiny items", slack=0.0015 + cost,
              fastest=True)


@pytest.mark.points(1)
def test_run_best_reuses_samples(run_best, guard, feedback):
    """run_best calls func exactly once per item: the sampled items are not run again"""
    work = waiting(20, 0.01)
    guard.call(run_best, work.func, work.items, deadline=10,
               what="run_best() on 20 items that wait 10 ms")
    count = work.ledger.count         # every call, from any thread or process, counted here
    feedback.measure("calls of func (20 waiting items)", count, expected=20)
    feedback.check(count == 20, f"run_best() made {count} calls for 20 items of waiting work.",
                   measured=f"{count} calls", expected="20 calls, one per item",
                   cause="the items timed to decide were run again with the rest: keep the "
                         "sample's results and run only the items after it")
    work = thinking(10, 0.025)
    guard.call(run_best, work.func, work.items, deadline=10,
               what="run_best() on 10 items of ~25 ms of pure-Python work")
    count = work.ledger.count
    feedback.measure("calls of func (10 thinking items, in any process)", count, expected=10)
    feedback.check(count == 10, f"run_best() made {count} calls for 10 items of thinking work.",
                   measured=f"{count} calls", expected="10 calls, one per item",
                   cause="the items timed to decide were run again with the rest: keep the "
                         "sample's results and send only the remaining items to the pool")


@pytest.mark.points(1)
@pytest.mark.timing
def test_sampling_costs_little_thinking(choose_executor, guard, feedback):
    """on thinking work too, choose_executor samples a few items, cheaply next to the work"""
    job = thinking(16, 0.025)
    items = job.items
    work = timing.time_call(lambda: sequential(job.local, items))
    func = job.ledger                 # counts every call of func, here in the judge
    guard.call(choose_executor, job.func, items, deadline=5,
               what="choose_executor() on 16 items of ~25 ms of pure-Python work")
    took = guard.elapsed
    feedback.measure("calls of func made by choose_executor", func.count, expected="<= 3")
    feedback.measure("choose_executor time", f"{took * 1000:.1f} ms",
                     expected=f"<= 25% of the work ({0.25 * work * 1000:.0f} ms)")
    feedback.check(func.count <= 3 and took <= 0.25 * work,
                   f"choose_executor() called func {func.count} times and took "
                   f"{100 * took / work:.0f}% of the work's own time.",
                   measured=f"{func.count} calls, {took * 1000:.0f} ms (the work: "
                            f"{work * 1000:.0f} ms)",
                   expected=f"at most 3 calls and {0.25 * work * 1000:.0f} ms",
                   cause="the sample is too big: a few items (or a few tens of milliseconds) "
                         "tell the time per item and the CPU/wall ratio")


@pytest.mark.points(1)
def test_processes_get_batches(run_best, student, tree_cpu, feedback):
    """when run_best uses processes for many small items, it ships them in batches"""
    work = thinking(100, 0.005)
    items = work.items
    what = "100 items of ~5 ms of pure-Python work"
    with tree_cpu() as cpu:           # the kernel counts the caller's writes into pipes
        result = run_best(work.func, items)
    check_results(feedback, result, work, what=what, any_order=True)
    used_processes = bool(work.ledger.pids() - {student.session.pid})
    shipped = cpu.writes // 2 if used_processes else 0
    most = len(items) // 4
    feedback.measure(f"tasks shipped to worker processes ({what})", shipped,
                     expected=f"<= {most} (batches), or 0 if run_best did not use processes")
    if shipped == 0:
        feedback.note("run_best() did not use a process pool here, so there was nothing to batch.")
    feedback.check(shipped <= most,
                   f"run_best() shipped about {shipped} tasks to the process pool for "
                   f"{len(items)} items.",
                   measured=f"{cpu.writes} writes into the pool's pipes (one or two per task)",
                   expected=f"batches: at most {most} tasks, e.g. pool.map(func, items, "
                            f"chunksize=...)",
                   cause="every item travels to a worker on its own ('DON'T: use processes for "
                         "tiny tasks' / 'DO: batch tiny tasks together'): pass a chunksize to "
                         "ProcessPoolExecutor.map so each trip carries many items")
