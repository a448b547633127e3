"""Subtle bug: every stage runs over all the items (a pool of workers_per_stage threads)
before the next stage starts. Unlike broken/sequential_stages it reads the input lazily
through a bounded window of futures, so backpressure holds and only the pipelining is
missing: stage 2 never works while stage 0 still does.

Scores: 30
"""
from collections import deque
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


class _Failed:
    def __init__(self, exc):
        self.exc = exc


def _step(stage, value):
    if isinstance(value, _Failed):
        return value
    try:
        return stage(value)
    except Exception as exc:
        return _Failed(exc)


def run_pipeline(items, stages, workers_per_stage=1, queue_size=3) -> list:
    stages = list(stages)
    counts = _worker_counts(workers_per_stage, len(stages))
    values = iter(items)
    for stage, count in zip(stages, counts):
        out = []
        with ThreadPoolExecutor(max_workers=count) as pool:
            window = deque()
            for value in values:
                window.append(pool.submit(_step, stage, value))
                if len(window) >= queue_size + count:
                    out.append(window.popleft().result())
            out.extend(f.result() for f in window)
        values = out
    return [v.exc if isinstance(v, _Failed) else v for v in values]
