"""Workloads and measuring helpers shared by the visible and hidden tests of assignment 4
(plain functions; the fixtures are in conftest.py).

The workloads are what choose_executor() and run_best() are graded on. Their names and
docstrings say nothing about the work on purpose: the assignment is to decide by measuring,
not by reading. They are module-level functions of this module (the tests folder is on
sys.path), so a process pool can ship them by name under fork, spawn or forkserver.

    task_1((i, seconds))   waits `seconds` (a sleep: it releases the GIL)   -> i * 10 + 1
    task_2((i, n))         pure-Python loop of about n + i iterations        -> (i, spin(n + i))
    task_3(x)              almost nothing                                    -> 2 * x + 1
    task_4(url)            one HTTP GET (mocked by the `web` fixture)        -> len(body)

Nothing here is secret: it builds inputs and reads what happened, on the grader's clock.
"""
from __future__ import annotations

import math
import random
import statistics
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Callable

import requests

from autograder.checks import timing
from autograder.checks.procs import calibrate_spin, spin, tiny


# ----------------------------------------------------------------- the workloads


def task_1(item):
    i, seconds = item
    timing.sleep(seconds)
    return i * 10 + 1


def task_2(item):
    i, n = item
    return (i, spin(n + i))


def task_3(x):
    return tiny(x)


def task_4(url):
    return len(requests.get(url, timeout=5).content)


# -------------------------------------------------------------------- inputs

def waiting_items(n: int, seconds: float) -> list:
    """n items for task_1, each waiting `seconds`."""
    return [(i, seconds) for i in range(n)]


def spin_size(seconds: float) -> int:
    """The n for which spin(n) takes about `seconds` of CPU here (calibrated once per
    grading, in CPU time, so a busy machine does not shrink the work)."""
    return calibrate_spin(seconds)


def thinking_items(n: int, seconds: float) -> list:
    """n items for task_2, each about `seconds` of pure-Python CPU work."""
    size = spin_size(seconds)
    return [(i, size) for i in range(n)]


def tiny_items(n: int, seed: int = 4) -> list:
    """n small ints in a shuffled order (so a wrong order shows)."""
    values = list(range(n))
    random.Random(seed).shuffle(values)
    return values


def _spin_result(n: int) -> int:
    # spin(n) is (0^2 + 1^2 + ... + (n-1)^2) mod 1_000_003: checking needs no loop.
    return ((n - 1) * n * (2 * n - 1) // 6) % 1_000_003 if n > 0 else 0


EXPECT: dict[str, Callable[[Any], Any]] = {
    "task_1": lambda item: item[0] * 10 + 1,
    "task_2": lambda item: (item[0], _spin_result(item[1] + item[0])),
    "task_3": lambda x: 2 * x + 1,
}


def expected(func, items) -> list:
    """[func(x) for x in items], computed without doing the work again."""
    return [EXPECT[func.__name__](x) for x in items]


# ------------------------------------------------- the three strategies, the grader's way

THREAD_WORKERS = 10   # the lesson: "Thread workers: 2-5x your CPU cores" (5 x 2 cores)


def usable_cpus() -> int:
    return max(1, timing.cpu_budget().affinity)


def sequential(func, items) -> list:
    return [func(x) for x in items]


def threads(func, items, workers: int = THREAD_WORKERS) -> list:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


def processes(func, items) -> list:
    workers = max(1, min(usable_cpus(), len(items)))
    chunksize = max(1, math.ceil(len(items) / (4 * workers)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items, chunksize=chunksize))


STRATEGY_NAMES = {"sequential": "sequential loop",
                  "threads": f"ThreadPoolExecutor({THREAD_WORKERS})",
                  "processes": "ProcessPoolExecutor(chunksize)"}
YOURS = "your run_best"


def race(runners: dict[str, Callable[[], object]], rounds: int = 3, *,
         keep: str = YOURS, far: float | None = 3.0) -> dict[str, list[float]]:
    """Wall time of each runner, interleaved: each round runs them all, starting with a
    different one, so a slow moment of the machine hits them all alike.

    A strategy more than `far` times slower than the fastest in the first round is out of
    the running and is not repeated (its one time is still shown); `keep` always is.
    far=None repeats every runner."""
    names = list(runners)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(timing.time_call(runners[name]))
        if r == 0 and far is not None:
            fastest = min(t[0] for t in times.values())
            names = [n for n in names if n == keep or times[n][0] <= far * fastest + 0.002]
    return times


def medians(times: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(ts) for name, ts in times.items()}


def ms(seconds: float) -> str:
    """A duration in milliseconds, with enough digits to tell tiny ones apart."""
    value = seconds * 1000
    return f"{value:.3f} ms" if value < 1 else f"{value:.1f} ms"


def race_text(times: dict[str, list[float]]) -> str:
    """Every strategy's runs and median, and a bar chart of the medians."""
    width = max(len(n) for n in times)
    lines = [f"  {name.ljust(width)}  median {ms(statistics.median(ts)):>10}   runs: "
             + ", ".join(ms(t) for t in ts)
             for name, ts in times.items()]
    return "\n".join(lines) + "\n" + timing.bars(medians(times))


# ------------------------------------------------------------------ checking

CHOICES = ("sequential", "threads", "processes")


def check_choice_value(feedback, choice) -> None:
    if choice not in CHOICES:
        feedback.fail("choose_executor() must return 'sequential', 'threads' or 'processes'.",
                      measured=repr(choice)[:100], expected="one of " + ", ".join(map(repr, CHOICES)),
                      cause="a different spelling ('thread', 'ThreadPoolExecutor', 'threads first') "
                            "or a missing return")


def check_results(feedback, result, func, items, *, what: str, any_order: bool = False) -> None:
    """run_best's result is [func(x) for x in items] (as a multiset when `any_order`)."""
    want = expected(func, items)
    if not isinstance(result, list):
        feedback.fail(f"run_best() must return a list ({what}).",
                      measured=f"it returned {type(result).__name__}: {result!r:.100}",
                      expected=f"a list of {len(items)} results",
                      cause="returning the executor's map object or a generator instead of a list")
    if len(result) != len(want):
        feedback.fail(f"run_best() returned {len(result)} results for {len(items)} items ({what}).",
                      measured=f"{len(result)} results", expected=f"{len(items)} results, one per item",
                      cause="the sampled items' results were dropped (or counted twice) when the "
                            "rest of the items were run")
    if any_order:
        ok = sorted(map(repr, result)) == sorted(map(repr, want))
    else:
        ok = result == want
    if ok:
        return
    if sorted(map(repr, result)) == sorted(map(repr, want)):
        first = next(i for i, (a, b) in enumerate(zip(result, want)) if a != b)
        feedback.fail(f"run_best() returned the right results in the wrong order ({what}).",
                      measured=f"result[{first}] = {result[first]!r}",
                      expected=f"result[{first}] = func(items[{first}]) = {want[first]!r}",
                      cause="results collected in completion order (as_completed) or the sampled "
                            "results put after the others: keep the input order (executor.map "
                            "does) and put the sample's results first")
    first = next(i for i, (a, b) in enumerate(zip(result, want)) if a != b)
    feedback.fail(f"run_best() returned wrong results ({what}).",
                  measured=f"result[{first}] = {result[first]!r}",
                  expected=f"result[{first}] = func(items[{first}]) = {want[first]!r}",
                  cause="func applied to the wrong items, or results lost when the work was split")


def near_best(feedback, times: dict[str, list[float]], *, n_items: int, what: str,
              factor: float = 1.6, slack: float = 0.02) -> None:
    """Fail unless run_best's median is close to the best strategy's median.

    Close = factor x the best median, plus what sampling a few items may cost (three
    items' worth of sequential work), plus a small absolute slack for start-up."""
    med = medians(times)
    strategies = {k: v for k, v in med.items() if k != YOURS}
    best_name = min(strategies, key=strategies.get)
    best = strategies[best_name]
    per_item = med[STRATEGY_NAMES["sequential"]] / max(1, n_items)
    sampling = 3 * per_item
    limit = factor * best + sampling + slack
    mine = med[YOURS]
    feedback.measure(f"run_best median ({what})", ms(mine), expected=f"<= {ms(limit)}")
    feedback.measure(f"best strategy: {best_name}", ms(best))
    if mine <= limit:
        feedback.note(race_text(times))
        return
    slower = min(strategies.values(), key=lambda v: abs(v - mine))
    like = next(k for k, v in strategies.items() if v == slower)
    feedback.fail(
        f"run_best() took {mine / best:.1f}x as long as the best strategy ({best_name}) for {what}.",
        measured=f"run_best median {ms(mine)}; {best_name} {ms(best)} (all runs, interleaved:)\n"
                 + race_text(times),
        expected=f"at most {factor:g} x {ms(best)} + {ms(sampling)} for sampling "
                 f"+ {ms(slack)} = {ms(limit)}",
        cause=f"run_best ran about as slowly as the {like}: "
              + _slow_cause(best_name, like))


def _slow_cause(best: str, like: str) -> str:
    if best == STRATEGY_NAMES["threads"]:
        return ("this work waits (the GIL's 'key' is handed on while it waits), so threads "
                "overlap the waits; a plain loop waits for each item in turn, and a process "
                "pool has only one worker per core to wait with. Check what choose_executor "
                "picks, and that run_best really runs that way (enough threads).")
    if best == STRATEGY_NAMES["sequential"]:
        return ("the whole job is smaller than the cost of starting a pool ('Is it worth "
                "parallelizing? (>0.1s total work)'): starting threads or processes and "
                "handing them tiny items costs more than the work. Stay sequential.")
    return ("this is thinking work: only separate processes (each with its own interpreter "
            "and GIL) run it in parallel.")
