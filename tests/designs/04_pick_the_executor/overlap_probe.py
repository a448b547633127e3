"""Correct alternative, near one edge: no CPU clock at all. It times the first item alone,
then the next two in two threads started together: two waits begin together and overlap,
two thinkers take turns on the GIL, the second beginning when the first lets go. The
lone item, less what the kernel says its thread spent queued for a busy CPU
(/proc/thread-self/schedstat), says whether the work is worth a pool at all. Three
calls, but the pair of thinking items costs two items' time: on 16 x 25 ms of thinking
work the sample is ~75 ms of a 100 ms allowance, and three items' time of thinking work
is done in one process before the pool starts, so on a busy machine its sampling-cost
and speedup verdicts are close calls (flagged when the rounds cannot tell).

Earlier versions (2026-12-02/03 heavy sweeps) compared the pair's time with the lone
item's, taken at another moment: a lone item slowed by a busy CPU (or a busy sibling of
its core, 1.7x with nothing queued) made thinking work look like overlapping waits, and
a waiting pair whose second thread started late looked like turns. Its choices went
either way, grading to grading. Now the pair alone decides: both threads start from one
gate, the switch interval is 1 s while they run (a thinker keeps the GIL until its item
lets go of it), and the second to begin begins at once (waits: under 1% of the pair's
time, stress-ng on a core) or about halfway (turns: 29% at the least).

Scores: 32
Borderline: test_sampling_costs_little_thinking, test_run_best_thinking_work_in_processes
"""
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def _queued() -> float:
    """Seconds this thread has waited for a free CPU (Linux; elsewhere 0)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _decide(func, items):
    if not items:
        return "sequential", []
    queued, start = _queued(), time.perf_counter()
    done = [func(items[0])]
    alone = max(time.perf_counter() - start - (_queued() - queued), 1e-9)
    if alone * len(items) < 0.1 or len(items) < 3:
        return "sequential", done
    pair, begun, ended = [None, None], [0.0, 0.0], [0.0, 0.0]
    gate = threading.Barrier(3)             # both items begin when the clock does

    def one(i):
        gate.wait()
        begun[i] = time.perf_counter()      # a thinker holding the GIL delays the other's
        pair[i] = func(items[1 + i])
        ended[i] = time.perf_counter()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1.0)              # whoever holds the GIL keeps it while it thinks
    try:
        for t in threads:
            t.start()
        while gate.n_waiting < 2:           # both at the gate: this thread opens it
            time.sleep(0.0005)
        start = time.perf_counter()
        gate.wait()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    done += pair
    # Two waits begin together; of two thinkers, the second begins only when the first
    # lets go of the GIL, about halfway through the pair. Both times are taken in the
    # same moment, so a busy or slowed CPU stretches them alike.
    if abs(begun[1] - begun[0]) < 0.15 * (max(ended) - start):
        return "threads", done              # the two waits overlapped
    return ("processes" if len(os.sched_getaffinity(0)) >= 2 else "sequential"), done


def choose_executor(func, items) -> str:
    return _decide(func, list(items))[0]


def run_best(func, items) -> list:
    items = list(items)
    choice, done = _decide(func, items)
    rest = items[len(done):]
    if choice == "threads" and rest:
        with ThreadPoolExecutor(min(32, len(rest))) as pool:
            return done + list(pool.map(func, rest))
    if choice == "processes" and rest:
        workers = min(len(os.sched_getaffinity(0)), len(rest))
        with ProcessPoolExecutor(workers) as pool:
            return done + list(pool.map(func, rest, chunksize=max(1, len(rest) // (4 * workers))))
    return done + [func(x) for x in rest]
