"""Correct alternative: a ThreadPoolExecutor per stage, fed by one dispatcher thread per
stage. The dispatcher takes (index, value) from the stage's bounded inbox, waits for a
free worker (a semaphore of workers_per_stage), submits the call; the task puts its
output in the next stage's inbox. At the stop signal the dispatcher waits for its pool
to finish (shutdown) and only then sends one stop signal on. The dispatcher holds one
item more than the workers while the stage is busy: backpressure still bounds the input
(queue_size + workers + one in the dispatcher's hand + one in the producer's).

Scores: 33
"""
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

_STOP = object()


def _counts(workers_per_stage, n_stages):
    if isinstance(workers_per_stage, int):
        counts = [workers_per_stage] * n_stages
    else:
        counts = list(workers_per_stage)
        if len(counts) != n_stages:
            raise ValueError(f"{len(counts)} worker counts for {n_stages} stages")
    if any(not isinstance(c, int) or c < 1 for c in counts):
        raise ValueError(f"every stage needs at least one worker, not {counts}")
    return counts


def run_pipeline(items, stages, workers_per_stage=1, queue_size=3) -> list:
    """Each item passes through every callable in `stages`, in order, each stage served by
    its own threads (workers_per_stage: an int, or one int per stage) and joined to the next
    by a queue bounded at queue_size. Returns the outputs in input order; where a stage raised,
    that item's output is the exception and the pipeline goes on."""
    stages = list(stages)
    counts = _counts(workers_per_stage, len(stages))
    if not stages:
        return list(items)
    inboxes = [queue.Queue(maxsize=queue_size) for _ in stages]
    results = {}
    lock = threading.Lock()
    failure = []

    def call(k, index, value, free):
        try:
            try:
                value = stages[k](value)
            except Exception as exc:
                with lock:
                    results[index] = exc
                return
            if k + 1 < len(stages):
                inboxes[k + 1].put((index, value))
            else:
                with lock:
                    results[index] = value
        finally:
            free.release()

    def dispatch(k):
        free = threading.Semaphore(counts[k])
        with ThreadPoolExecutor(max_workers=counts[k], thread_name_prefix=f"stage{k}") as pool:
            while True:
                job = inboxes[k].get()
                if job is _STOP:
                    break
                free.acquire()
                pool.submit(call, k, job[0], job[1], free)
        if k + 1 < len(stages):        # the pool has finished: nothing of this stage is left
            inboxes[k + 1].put(_STOP)

    def produce():
        try:
            for index, item in enumerate(items):
                inboxes[0].put((index, item))
        except BaseException as exc:
            failure.append(exc)
        finally:
            inboxes[0].put(_STOP)

    threads = [threading.Thread(target=produce)]
    threads += [threading.Thread(target=dispatch, args=(k,)) for k in range(len(stages))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failure:
        raise failure[0]
    return [results[i] for i in range(len(results))]
