"""Assignment 4, hidden tests: the same behaviours on other workloads, and run_best timed
on thinking and tiny work.

Never shipped to students; `make grade` runs them, `make check` does not.
"""
from __future__ import annotations

import os
import random
import statistics

import pytest
from pools import (accepted_for_thinking, describe_cost, pool_cost, sampling_rounds,
                   sampling_verdict, thinking_size)
from racing import CALL, near_best, race, race_text
from workloads import (MOST_SAMPLED, STRATEGY_NAMES, YOURS, check_choice_value,
                       check_results, ms, processes, sampled_then_processes, sequential,
                       thinking, threads, tiny, waiting, web as web_work)

from autograder.checks import timing
from autograder.checks.pools import start_method_of, startup_writes

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
def test_run_best_thinking_work_in_processes(run_best, student, tree_cpu, feedback, python_facts):
    """run_best runs thinking work in parallel (processes; threads if no GIL), faster than a loop"""
    budget = timing.cpu_budget()
    method = python_facts.start_method
    cost = pool_cost(method, 2)
    n = 24                            # small items: a sample of a few costs little of the work
    job = thinking(n, thinking_size(cost) / n)
    items = job.items
    what = f"{n} items of ~{thinking_size(cost) / n * 1000:.0f} ms of pure-Python work"
    outputs = []

    def yours():                      # every run its own work: nothing to remember
        work = job.fresh()
        with tree_cpu() as cpu:
            outputs.append((work, run_best(work.func, items)))
        return work, cpu

    def workers(evidence) -> int:     # processes besides the test's that ran func
        return len(evidence[0].ledger.pids() - {student.session.pid})

    def threaded(evidence) -> bool:   # without a GIL: the kernel saw >1 CPU busy in yours
        work, cpu = evidence
        return not python_facts.gil and cpu.caller >= 1.3 * max(cpu.wall, 1e-9)

    def parallel(evidence) -> bool:
        return workers(evidence) >= 2 or threaded(evidence)

    # Structure first, no clock involved: which processes ran the work? Every call of func
    # reaches the judge's ledger from the process that ran it (the kernel's word).
    first = timing.time_call(lambda: outputs.append(yours()))
    check_results(feedback, outputs[0][1], outputs[0][0], what=what, any_order=True)
    evidence = outputs.pop()
    feedback.measure("worker processes that ran func", workers(evidence),
                     expected=">= 2" + ("" if python_facts.gil else
                                        " (or threads computing at once: no GIL here)"))
    feedback.measure("a process pool's start-up here, measured now", describe_cost(method, cost))
    if budget.effective < 1.5:
        feedback.note(f"This machine has {budget.describe()}: no pool can run thinking work "
                      f"faster here, so neither processes nor a speedup are required.")
        return
    if not parallel(evidence):
        _not_in_processes(feedback, workers(evidence), first, budget,
                          loop=timing.time_call(lambda: sequential(job.local, items)))
    # Then the clock: a plain loop, yours and the grader's own run_best (the most items
    # the contract lets choose_executor sample, run here, then a process pool started
    # with the same start method as yours), in the same interleaved rounds: the grader's
    # run says what this machine and start method allow a correct design right now.
    pool_name = f"grader's run_best ({MOST_SAMPLED} sampled, '{method}' pool)"
    run = timing.judge_with_yardstick(
        baseline=lambda: sequential(job.local, items), candidate=yours,
        yardstick=lambda: sampled_then_processes(job.local, items, method),
        names=(STRATEGY_NAMES["sequential"], YOURS, pool_name), workers=2,
        structural=lambda runs: any(parallel(e) for e in runs), attempts=2)
    for work, result in outputs:
        check_results(feedback, result, work, what=what, any_order=True)
    _timed_verdict(feedback, run, pool_name)


def _not_in_processes(feedback, workers: int, first: float, budget, *, loop: float) -> None:
    feedback.fail(f"run_best() ran thinking work in {workers} worker process(es).",
                  measured=f"func ran in {workers} process(es) besides the grader's; run_best "
                           f"took {ms(first)}, a plain loop {ms(loop)}\n"
                           + timing.bars({YOURS: first, STRATEGY_NAMES["sequential"]: loop}),
                  expected=f"the work spread over at least 2 worker processes "
                           f"({budget.describe()})",
                  cause="pure-Python work ran in the calling process: in threads (which "
                        "share one GIL, one bathroom key, so they take turns) or in a plain "
                        "loop. Check that choose_executor picks 'processes' for thinking "
                        "work and that run_best then really uses a ProcessPoolExecutor.")


def _timed_verdict(feedback, run, pool_name: str) -> None:
    """The speedup over the loop, judged against the grader's pool in the same rounds."""
    for note in run.notes:
        feedback.note(note)
    verdict = run.verdict
    feedback.measure(f"speedup over the sequential loop ({verdict.rounds} interleaved rounds)",
                     f"{verdict.measured:.2f}x")
    feedback.measure("speedup of the grader's pool, same rounds", f"{run.yardstick.speedup:.2f}x")
    feedback.measure("speedup required here", f"{verdict.required:.2f}x")
    feedback.note(race_text(run.times))
    if verdict.inconclusive:
        feedback.note(verdict.explanation)
        return
    feedback.flag(verdict.flag)
    if verdict.passed:
        return
    mine, pool = statistics.median(run.times[YOURS]), statistics.median(run.times[pool_name])
    feedback.fail(f"run_best() was only {verdict.measured:.2f}x faster than a plain loop on "
                  f"thinking work.",
                  measured=f"{verdict.measured:.2f}x; run_best median {mine * 1000:.0f} ms, the "
                           f"grader's ({MOST_SAMPLED} items sampled, then a process pool) "
                           f"{pool * 1000:.0f} ms (same start method, same rounds)\n"
                           + race_text(run.times),
                  expected=verdict.explanation,
                  cause="the processes do much less than they could: a new pool per item, items "
                        "shipped one at a time, work done twice (the sample run again), or "
                        "fewer workers than CPUs")


@pytest.mark.points(2)
@pytest.mark.timing
def test_run_best_tiny_near_best(run_best, student, feedback, python_facts):
    """run_best on tiny work is about as fast as the best of the three strategies"""
    job = tiny(500)
    items = job.items
    outputs = []

    def yours():                      # every run its own work: nothing to remember
        work = job.fresh()
        outputs.append((work, run_best(work.func, items)))

    # A call into your process costs the grader's transport too (the items go there and
    # the results come back): that much more is allowed, a call that does nothing timed in
    # the same rounds.
    runners = {
        STRATEGY_NAMES["sequential"]: lambda: sequential(job.local, items),
        STRATEGY_NAMES["threads"]: lambda: threads(job.local, items),
        STRATEGY_NAMES["processes"]: lambda: processes(job.local, items,
                                                         python_facts.start_method),
        CALL: lambda: student.session.call_cost((items,), repeats=1),
        YOURS: yours,
    }
    run = race(runners, n_items=len(items), slack=0.0015)
    for work, result in outputs:
        check_results(feedback, result, work, what="500 tiny items", any_order=True)
    near_best(feedback, run, what="500 tiny items")


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
def test_sampling_costs_little_thinking(choose_executor, guard, student, feedback):
    """on thinking work too, choose_executor samples a few items, cheaply next to the work"""
    job = thinking(16, 0.025)
    work = timing.time_call(lambda: sequential(job.local, job.items))
    counts, took = sampling_rounds(
        guard, choose_executor, job.fresh, rounds=3,
        what="choose_executor() on 16 items of ~25 ms of pure-Python work")
    sampling_verdict(feedback, counts=counts, took=took, work=work,
                     call_cost=student.session.call_cost((job.items,)), most_calls=MOST_SAMPLED)


@pytest.mark.points(2)
@pytest.mark.timing
def test_choice_comes_from_measuring(choose_executor, guard, feedback, python_facts):
    """look-alike workloads that wait, think or do nothing get their own answers, from calling func"""
    budget = timing.cpu_budget()
    cost = pool_cost(python_facts.start_method, 2)
    total = thinking_size(cost)
    n = 20
    cases = [(waiting(n, 0.02), f"{n} items that wait 20 ms (0.4 s in all)",
              {"threads": "waiting work: threads overlap the waits"}),
             (thinking(n, total / n), f"{n} items of ~{total / n * 1000:.0f} ms of pure-Python "
                                      f"work ({total:.1f} s in all)",
              accepted_for_thinking(python_facts, budget, total, cost)),
             (tiny(n), f"{n} items that take microseconds", {"sequential": "not worth a pool"})]
    order = list(range(len(cases)))
    random.Random(os.urandom(8)).shuffle(order)        # no answer can come from the order
    answers = [None] * len(cases)                     # ...and the verdicts' order is fixed
    for i in order:
        work, what, ok = cases[i]
        choice = guard.call(choose_executor, work.func, work.items, deadline=10,
                            what=f"choose_executor() on {what}")
        check_choice_value(feedback, choice)
        calls = work.ledger.count if work.ledger is not None else None
        feedback.measure(f"choice for {what}", repr(choice) + (
            "" if calls is None else f", after {calls} call(s) of func"),
            expected=" or ".join(map(repr, ok)))
        answers[i] = (what, ok, choice, calls)
    guessed = [what for what, _ok, _choice, calls in answers if calls == 0]
    feedback.check(not guessed,
                   f"choose_executor() answered {len(guessed)} of the look-alike workloads "
                   f"without calling func.",
                   measured=f"{len(guessed)} workload(s) answered after 0 calls of func, counted "
                            f"by the grader",
                   expected="at least one call for each: the answer comes from measuring func",
                   cause="the answer was guessed from something other than the work: these "
                         "three workloads have the same kind of func, the same number of "
                         "plain-int items and no name or docstring worth reading, or it was "
                         "remembered from a workload that looked the same. Only timing func on "
                         "a sample tells them apart.")
    for what, ok, choice, _calls in answers:
        feedback.check(choice in ok, f"{what[0].upper()}{what[1:]} picked {choice!r}.",
                       measured=", ".join(f"{c!r} for {w}" for w, _, c, _ in answers),
                       expected=f"{' or '.join(map(repr, ok))} for {what}: "
                                + "; ".join(ok.values()),
                       cause="the three answers do not follow what the work does when it runs: "
                             "a guess from the input's size, func's type or its name gives "
                             "the same answer to all three. Time a sample: the time per item x "
                             "the number of items says whether it is worth a pool, and CPU time "
                             "against wall time says waiting or thinking.")


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
    # A spawn or forkserver pool writes more than a fork pool just to start (to its
    # workers and the resource tracker): measured here for the method the workers used.
    method = start_method_of(cpu)
    start_up = startup_writes(method, max(2, len(cpu.workers()))) if used_processes else 0
    shipped = max(0, cpu.writes - start_up) // 2 if used_processes else 0
    most = len(items) // 4
    feedback.measure(f"tasks shipped to worker processes ({what})", shipped,
                     expected=f"<= {most} (batches), or 0 if run_best did not use processes")
    if shipped == 0:
        feedback.note("run_best() did not use a process pool here, so there was nothing to batch.")
    feedback.check(shipped <= most,
                   f"run_best() shipped about {shipped} tasks to the process pool for "
                   f"{len(items)} items.",
                   measured=f"{cpu.writes} writes into the pool's pipes (one or two per task), "
                            f"{start_up} of them what starting a '{method}' pool costs here",
                   expected=f"batches: at most {most} tasks, e.g. pool.map(func, items, "
                            f"chunksize=...)",
                   cause="every item travels to a worker on its own ('DON'T: use processes for "
                         "tiny tasks' / 'DO: batch tiny tasks together'): pass a chunksize to "
                         "ProcessPoolExecutor.map so each trip carries many items")
