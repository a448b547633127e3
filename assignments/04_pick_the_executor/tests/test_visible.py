"""Assignment 4, visible tests: what `make check ASSIGNMENT=4` runs.

The hidden tests check the same behaviours on other workloads (mocked web requests,
thinking work too small to be worth a pool) and time run_best on thinking and tiny work.
"""
from __future__ import annotations

import statistics

import pytest
from racing import near_best, race, race_text
from workloads import (STRATEGY_NAMES, YOURS, check_choice_value, check_results, ms,
                       processes, sequential, thinking, threads, tiny, waiting)

from pools import (accepted_for_thinking, describe_cost, pool_cost, sampling_rounds,
                   sampling_verdict, thinking_size)

from autograder.checks import timing

WAITING_CAUSE = (
    "the work was judged by how long it takes, not by what it does while it takes it. "
    "This work spends almost all its wall time waiting: time.thread_time() (CPU time of the "
    "calling thread) barely moves while time.perf_counter() runs. Waiting work releases the "
    "GIL (the lesson's bathroom key), so threads overlap the waits -> 'threads'.")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_waiting_work_picks_threads(choose_executor, guard, feedback):
    """waiting work (30 items of 20 ms sleep) picks 'threads'"""
    work = waiting(30, 0.02)
    choice = guard.call(choose_executor, work.func, work.items, deadline=5,
                        what="choose_executor() on 30 items that wait 20 ms each")
    check_choice_value(feedback, choice)
    feedback.measure("choice for 30 x 20 ms of waiting (0.6 s in all)", repr(choice),
                     expected="'threads'")
    feedback.check(choice == "threads", f"Waiting work picked {choice!r}.",
                   measured=f"{choice!r} for 30 items that each sleep 20 ms (0.6 s sequential)",
                   expected="'threads': the work is worth a pool, and it is waiting, not thinking",
                   cause=WAITING_CAUSE if choice == "processes" else
                   "the work was taken for too small to be worth a pool, or the decision does "
                   "not measure the work at all (func's name and docstring say nothing). "
                   "0.6 s of waiting is well over the lesson's 0.1 s: measure a sample, "
                   "estimate the total, and look at CPU time vs wall time.")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_thinking_work_picks_processes(choose_executor, guard, feedback, python_facts):
    """pure-Python CPU work (16 items, enough to be worth a pool here) picks 'processes'"""
    budget = timing.cpu_budget()
    method = python_facts.start_method
    cost = pool_cost(method, 2)
    total = thinking_size(cost)
    work = thinking(16, total / 16)
    what = f"16 items of ~{total / 16 * 1000:.0f} ms of pure-Python work (~{total:.1f} s in all)"
    choice = guard.call(choose_executor, work.func, work.items, deadline=10,
                        what=f"choose_executor() on {what}")
    check_choice_value(feedback, choice)
    ok = accepted_for_thinking(python_facts, budget, total, cost)
    feedback.measure(f"choice for {what}", repr(choice),
                     expected=" or ".join(map(repr, ok)))
    feedback.measure("CPUs available", budget.describe())
    feedback.measure("a process pool's start-up here, measured now", describe_cost(method, cost))
    if choice in ok and choice != "processes":
        feedback.note(f"{choice!r} is accepted here: {ok[choice]}.")
        return
    feedback.check(choice in ok, f"Thinking work picked {choice!r}.",
                   measured=f"{choice!r} for {what}, on {budget.describe()}",
                   expected=f"'processes': {ok.get('processes', '')}",
                   cause=(
                       "thinking work was taken for waiting work, or the decision does not "
                       "measure at all ('unclear -> start with threads'). Threads share one GIL "
                       "(one bathroom key): pure-Python work in threads runs one at a time. "
                       "While this work runs, time.thread_time() advances as fast as "
                       "time.perf_counter(): that is thinking work -> 'processes'. (Only on "
                       "a free-threaded Python, without a GIL, would threads be right.)"
                       if choice == "threads" else
                       f"{total:.1f} s of thinking work is worth a pool here (a pool costs "
                       f"{cost * 1000:.0f} ms to start with this Python's '{method}' start "
                       f"method), and this machine has more than one CPU: estimate the total "
                       f"from a sample (mean time per item x number of items) and compare it "
                       f"with the pool's cost."))


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_tiny_work_stays_sequential(choose_executor, guard, feedback):
    """tiny work (200 items of almost nothing) stays 'sequential'"""
    work = tiny(200)
    choice = guard.call(choose_executor, work.func, work.items, deadline=5,
                        what="choose_executor() on 200 tiny items")
    check_choice_value(feedback, choice)
    feedback.measure("choice for 200 tiny items (well under a millisecond in all)", repr(choice),
                     expected="'sequential'")
    feedback.check(choice == "sequential", f"Tiny work picked {choice!r}.",
                   measured=f"{choice!r} for 200 items that take microseconds each",
                   expected="'sequential': the lesson's first question, 'Is it worth "
                            "parallelizing? (>0.1s total work)', says no",
                   cause="the size of the work was never weighed against the cost of a pool. "
                         "Starting a thread pool costs about a millisecond, a process pool tens "
                         "of milliseconds, and every item handed to a process is pickled and "
                         "sent: far more than 200 tiny items take in a plain loop ('DON'T: use "
                         "processes for tiny tasks'). Estimate the total from a sample first.")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_sampling_costs_little(choose_executor, guard, student, feedback):
    """choose_executor calls func on a few items only, and takes little time next to the work"""
    job = waiting(30, 0.01)
    work = timing.time_call(lambda: sequential(job.local, job.items))
    counts, took = sampling_rounds(guard, choose_executor, lambda: waiting(30, 0.01), rounds=3,
                                   what="choose_executor() on 30 items that wait 10 ms each")
    sampling_verdict(feedback, counts=counts, took=took, work=work,
                     call_cost=student.session.call_cost((job.items,)),
                     most_calls=max(3, len(job.items) // 10))


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_run_best_keeps_order(run_best, guard, feedback):
    """run_best returns [func(x) for x in items], in input order, whichever way it runs"""
    cases = [(tiny(200), "200 tiny items"),
             (waiting(24, 0.01), "24 items that wait 10 ms"),
             (thinking(12, 0.025), "12 items of ~25 ms of pure-Python work")]
    for work, what in cases:
        result = guard.call(run_best, work.func, work.items, deadline=10,
                            what=f"run_best() on {what}")
        check_results(feedback, result, work, what=what)
    feedback.measure("results of all three workloads", "correct, in input order")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_run_best_waiting_near_best(run_best, feedback, python_facts):
    """run_best on waiting work overlaps the waits, about as fast as the best of three strategies"""
    job = waiting(30, 0.01)
    items = job.items
    what = "30 items that wait 10 ms"
    rounds = []

    def yours():                      # every round its own work: nothing to remember
        work = job.fresh()
        rounds.append((work, run_best(work.func, items)))

    runners = {
        STRATEGY_NAMES["sequential"]: lambda: sequential(job.local, items),
        STRATEGY_NAMES["threads"]: lambda: threads(job.local, items),
        STRATEGY_NAMES["processes"]: lambda: processes(job.local, items,
                                                         python_facts.start_method),
        YOURS: yours,
    }
    run = race(runners, n_items=len(items))
    times = run.times
    for work, result in rounds:
        check_results(feedback, result, work, what=what, any_order=True)
    overlap = max(work.ledger.peak for work, _ in rounds)   # waits in flight, counted here
    feedback.measure("most calls of func waiting at the same time", overlap, expected=">= 4")
    if overlap < 4:
        feedback.fail(f"run_best() never had more than {overlap} of the 30 waits going at once.",
                      measured=f"at most {overlap} call(s) of func in flight; run_best median "
                               f"{ms(statistics.median(times[YOURS]))}\n" + race_text(times),
                      expected="the waits overlapping: many calls in flight at once, like the "
                               f"{STRATEGY_NAMES['threads']} above",
                      cause="waiting work ran one item at a time (a plain loop) or one item per "
                            "process (a process pool has only one worker per core to wait "
                            "with). Waiting work releases the GIL, so threads can all wait "
                            "together: check what choose_executor picks, and that run_best "
                            "really runs that way.")
    near_best(feedback, run, what=what)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_nothing_left_behind(run_best, guard, feedback):
    """no thread or process of run_best is alive after it returns"""
    cases = [(waiting(20, 0.01), "20 items that wait 10 ms"),
             (thinking(12, 0.025), "12 items of ~25 ms of pure-Python work")]
    for work, what in cases:
        guard.call(run_best, work.func, work.items, deadline=10, what=f"run_best() on {what}")
        leaks = guard.leaks()
        feedback.measure(f"threads / processes alive after run_best() on {what}",
                         f"{len(leaks.threads)} / {len(leaks.processes)}", expected="0 / 0")
        if leaks:
            feedback.fail(leaks.text(),
                          measured=f"after run_best() on {what}: {len(leaks.threads)} thread(s), "
                                   f"{len(leaks.processes)} process(es) still alive",
                          expected="every worker finished before run_best() returns",
                          cause="a pool (or hand-made workers) never shut down and joined: use "
                                "`with ThreadPoolExecutor(...) as pool:` / `with "
                                "ProcessPoolExecutor(...) as pool:`, which wait for every worker "
                                "on the way out, or join every thread you start. Workers waiting "
                                "in get(timeout=1) for work that will never come are still alive.",
                          where=leaks.thread_stacks)
