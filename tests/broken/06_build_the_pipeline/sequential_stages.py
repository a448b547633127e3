"""Each stage runs over all the items (with its own pool of workers) before the next stage starts: no queues between stages, no pipeline parallelism, and the whole input is read at once.

Fails: test_queues_bounded,
    test_pipeline_parallelism
"""
from concurrent.futures import ThreadPoolExecutor


def _worker_counts(workers_per_stage, n_stages):
    if isinstance(workers_per_stage, int):
        counts = [workers_per_stage] * n_stages
    else:
        counts = list(workers_per_stage)
        if len(counts) != n_stages:
            raise ValueError(f"workers_per_stage has {len(counts)} entries for {n_stages} stages")
    if any(not isinstance(c, int) or c < 1 for c in counts):
        raise ValueError(f"every stage needs at least 1 worker, not {counts}")
    return counts


class _Failed:
    def __init__(self, exc):
        self.exc = exc


def run_pipeline(items, stages, workers_per_stage=1, queue_size=3) -> list:
    """Each item passes through every callable in `stages`, in order, each stage served by
    its own threads (workers_per_stage: an int, or one int per stage) and joined to the next
    by a queue bounded at queue_size. Returns the outputs in input order; where a stage raised,
    that item's output is the exception and the pipeline goes on."""
    stages = list(stages)
    counts = _worker_counts(workers_per_stage, len(stages))
    if queue_size < 1:
        raise ValueError(f"queue_size must be at least 1, not {queue_size}")
    values = list(items)                       # FLAW: the whole input, read at once

    for stage, count in zip(stages, counts):   # FLAW: one stage after the other
        def step(value, stage=stage):
            if isinstance(value, _Failed):
                return value
            try:
                return stage(value)
            except Exception as exc:
                return _Failed(exc)
        with ThreadPoolExecutor(max_workers=count) as pool:
            values = list(pool.map(step, values))
    return [v.exc if isinstance(v, _Failed) else v for v in values]
