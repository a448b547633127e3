"""Subtle bug: the reference's pipeline, but each worker that gets a stop signal passes one
on to the next stage (a sentinel per worker, forwarded per worker) instead of the last
worker of the stage sending one per worker of the next. With the same count in every
stage this is right (each worker puts its items before its own signal); with
workers_per_stage=[1, 3, 2] the second stage gets one signal for three workers, and two
of them wait in get() for ever.

Scores: 29
"""
import queue
import threading

_STOP = object()   # a unique stop signal: can never be confused with an item


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


def run_pipeline(items, stages, workers_per_stage=1, queue_size=3) -> list:
    """Each item passes through every callable in `stages`, in order, each stage served by
    its own threads (workers_per_stage: an int, or one int per stage) and joined to the next
    by a queue bounded at queue_size. Returns the outputs in input order; where a stage raised,
    that item's output is the exception and the pipeline goes on."""
    stages = list(stages)
    counts = _worker_counts(workers_per_stage, len(stages))
    if queue_size < 1:
        raise ValueError(f"queue_size must be at least 1, not {queue_size}")
    if not stages:
        return list(items)

    inboxes = [queue.Queue(maxsize=queue_size) for _ in stages]  # inboxes[k] feeds stage k
    results = {}
    lock = threading.Lock()
    producer_error = []

    def produce():
        try:
            for index, item in enumerate(items):
                inboxes[0].put((index, item))
        except BaseException as exc:  # iterating `items` failed: report it after the join
            producer_error.append(exc)
        finally:
            for _ in range(counts[0]):
                inboxes[0].put(_STOP)

    def work(k):
        stage, inbox = stages[k], inboxes[k]
        last_stage = k == len(stages) - 1
        while True:
            job = inbox.get()          # no timeout: a slow stage upstream is not a finished one
            if job is _STOP:
                break
            index, value = job
            try:
                value = stage(value)
            except Exception as exc:   # the exception is this item's output; skip the rest
                with lock:
                    results[index] = exc
                continue
            if last_stage:
                with lock:
                    results[index] = value
            else:
                inboxes[k + 1].put((index, value))
        if not last_stage:
            inboxes[k + 1].put(_STOP)  # FLAW: one for one, whatever the next stage's count

    threads = [threading.Thread(target=produce, name="pipeline-producer")]
    for k, count in enumerate(counts):
        threads += [threading.Thread(target=work, args=(k,), name=f"stage{k}-worker{w}")
                    for w in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if producer_error:
        raise producer_error[0]
    return [results[i] for i in range(len(results))]
