"""Subtle bug: one ThreadPoolExecutor of sum(workers_per_stage) threads serves every
stage: each task runs one stage for one item and submits the next stage's task. The
input is bounded (a semaphore of queue_size + the first stage's workers), the outputs
are in order, every thread is joined; but any stage may have all the pool's threads at
once, more calls in flight than its workers_per_stage.

Scores: 29
"""
import threading
from concurrent.futures import ThreadPoolExecutor


def _worker_counts(workers_per_stage, n_stages):
    if isinstance(workers_per_stage, int):
        counts = [workers_per_stage] * n_stages
    else:
        counts = list(workers_per_stage)
        if len(counts) != n_stages:
            raise ValueError("wrong length")
    if any(not isinstance(c, int) or c < 1 for c in counts):
        raise ValueError("below 1")
    return counts


def run_pipeline(items, stages, workers_per_stage=1, queue_size=3) -> list:
    stages = list(stages)
    counts = _worker_counts(workers_per_stage, len(stages))
    if not stages:
        return list(items)
    results = {}
    room = threading.BoundedSemaphore(queue_size + counts[0])
    done = threading.Condition()
    pool = ThreadPoolExecutor(max_workers=sum(counts))

    def finish(index, value):
        with done:
            results[index] = value
            done.notify_all()
        room.release()

    def run(index, value, k):
        try:
            value = stages[k](value)
        except Exception as exc:
            finish(index, exc)
            return
        if k + 1 < len(stages):
            pool.submit(run, index, value, k + 1)
        else:
            finish(index, value)

    n = 0
    for index, item in enumerate(items):
        room.acquire()
        pool.submit(run, index, item, 0)
        n += 1
    with done:
        done.wait_for(lambda: len(results) == n)
    pool.shutdown(wait=True)
    return [results[i] for i in range(n)]
