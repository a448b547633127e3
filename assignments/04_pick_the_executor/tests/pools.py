"""What a pool costs here and now, and what the Python running the student's code allows:
the measurements assignment 4's verdicts on "worth a pool?" and "thinking work" rest on
(plain functions, used by the visible and the hidden tests).

    pool_cost(method, workers)   seconds a process pool started with `method` costs before
                                 it does any work, measured now in a fresh Python
    thinking_size(cost)          total seconds of thinking work a pool of 2 clearly wins on
    accepted_for_thinking(...)   the right answers for thinking work on this machine and
                                 Python ('threads' too where the GIL is off)
    sampling_rounds(...)         choose_executor timed over several rounds, against the
                                 cost of a call that does nothing

A pool's start-up depends on multiprocessing's start method: `fork` copies the running
process (a few ms per worker); `forkserver`, the default from Python 3.14 on Linux,
first starts a server process, a fresh interpreter, and forks workers from it; `spawn`
(the default on macOS and Windows) starts a fresh interpreter per worker, which imports
everything again. A threshold that counts pool start-up comes from measuring the start
method in use, never from a constant.
"""
from __future__ import annotations

import statistics
import subprocess
import sys

from autograder.checks import timing

_POOL_COST = r"""
import sys, time, multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
method, workers = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
with ProcessPoolExecutor(workers, mp_context=mp.get_context(method)) as pool:
    list(pool.map(abs, range(4 * workers), chunksize=1))
print(time.perf_counter() - start)
"""

CLEAR_SPEEDUP = 1.5       # a pool of 2 this much faster than a loop: 'processes', no doubt
SMALLEST_THINKING = 0.4   # seconds of thinking work in a test, at least
LARGEST_THINKING = 1.2    # ...and at most (a spawn pool on a busy machine costs ~0.5 s)


def pool_cost(method: str, workers: int) -> float:
    """Seconds a ProcessPoolExecutor(workers) started with `method` takes to start, hand
    each worker a trivial task and shut down, in a fresh Python of the grader's: what the
    first pool of a program pays (a fork server or spawned interpreters start from
    nothing). Timed while the student's processes are stopped; the median of 2."""
    cmd = [sys.executable, "-I", "-c", _POOL_COST, method, str(workers)]
    out: list = []

    def run():
        out.append(subprocess.run(cmd, capture_output=True, text=True, timeout=30))

    runs = []
    for _ in range(2):
        out.clear()
        timing.time_call(run)
        try:
            runs.append(float(out[0].stdout.strip().splitlines()[-1]))
        except (IndexError, ValueError):
            continue
    return statistics.median(runs) if runs else 0.05


def thinking_size(cost: float, workers: int = 2) -> float:
    """Seconds of thinking work (in a plain loop) on which a pool of `workers` that costs
    `cost` to start is CLEAR_SPEEDUP times faster than the loop: T / (cost + T/workers)
    = CLEAR_SPEEDUP. Within SMALLEST_THINKING..LARGEST_THINKING."""
    gain = 1 / CLEAR_SPEEDUP - 1 / max(workers, 2)
    return min(LARGEST_THINKING, max(SMALLEST_THINKING, cost / gain))


def clearly_worth_a_pool(total: float, cost: float, workers: int = 2) -> bool:
    return total / (cost + total / max(workers, 2)) >= CLEAR_SPEEDUP * 0.95


def describe_cost(method: str, cost: float) -> str:
    return f"{cost * 1000:.0f} ms to start a process pool with the '{method}' start method"


def accepted_for_thinking(facts, budget, total: float, cost: float) -> dict[str, str]:
    """{choice: why it is right} for `total` seconds of thinking work, here: 'processes'
    always where there are 2 CPUs; 'threads' too where the GIL is off (threads then run
    Python code in parallel); 'sequential' too on fewer than 2 CPUs, or when a pool's
    start-up (`cost`, measured with this Python's start method) eats the gain."""
    ok = {}
    if budget.effective >= 1.5:
        ok["processes"] = "separate interpreters, each with its own GIL"
    if not facts.gil:
        ok["threads"] = ("this Python runs without a GIL (free-threaded): threads run Python "
                         "code in parallel, without a process pool's start-up")
    if budget.effective < 1.5:
        ok["sequential"] = (f"this machine has {budget.describe()}: with fewer than 2 CPUs no "
                            f"pool runs thinking work faster")
    elif not clearly_worth_a_pool(total, cost):
        ok["sequential"] = (f"{total:.2f} s of work is not clearly worth "
                            f"{describe_cost(facts.start_method, cost)}")
    return ok


def sampling_rounds(guard, choose_executor, make, *, rounds: int, what: str):
    """choose_executor(func, items) on `rounds` fresh copies of the work: ([calls of func
    per round, counted by the judge's double], [seconds per round])."""
    counts, took = [], []
    for _ in range(rounds):
        job = make()
        guard.call(choose_executor, job.func, job.items, deadline=5, what=what)
        counts.append(job.ledger.count)
        took.append(guard.elapsed)
    return counts, took


def sampling_verdict(feedback, *, counts, took, work: float, call_cost: float,
                     most_calls: int, share: float = 0.25) -> None:
    """The median round of choose_executor, less what any call into the student's process
    costs (the grader's transport, measured now), against `share` of the work; the most
    calls of any round against `most_calls`."""
    calls = max(counts)
    mid = statistics.median(took)
    spent = max(0.0, mid - call_cost)
    limit = share * work
    feedback.measure("calls of func made by choose_executor (most of any round)", calls,
                     expected=f"<= {most_calls}")
    feedback.measure(f"choose_executor time, median of {len(took)} rounds",
                     f"{mid * 1000:.1f} ms (runs: "
                     + ", ".join(f"{t * 1000:.1f}" for t in took) + " ms)",
                     expected=f"<= {share:.0%} of the work ({limit * 1000:.0f} ms), after "
                              f"{call_cost * 1000:.1f} ms for the call itself")
    feedback.measure("the work, run sequentially", f"{work * 1000:.1f} ms")
    feedback.check(calls <= most_calls,
                   f"choose_executor() called func {calls} times in a round.",
                   measured=f"{calls} calls (rounds: {', '.join(map(str, counts))})",
                   expected=f"at most {most_calls} (a small sample)",
                   cause="the sample is too big: timing every item does the whole job once just "
                         "to decide how to do it. A few items give the time per item and the "
                         "CPU/wall ratio; multiply by the number of items for the total.")
    feedback.check(spent <= limit,
                   f"choose_executor() took {mid * 1000:.0f} ms (median of {len(took)} rounds), "
                   f"{100 * spent / work:.0f}% of the work itself ({work * 1000:.0f} ms).",
                   measured=f"{mid * 1000:.1f} ms, of which the call itself "
                            f"{call_cost * 1000:.1f} ms",
                   expected=f"at most {limit * 1000:.0f} ms more than the call itself",
                   cause="deciding costs as much as working: sample fewer items, or stop sampling "
                         "once a few tens of milliseconds have been measured")
