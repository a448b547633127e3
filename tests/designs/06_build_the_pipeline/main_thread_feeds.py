"""Correct alternative: hand-made threads, the calling thread as producer and
coordinator. It feeds the input itself, then stops the stages one after the other: one
None per worker of stage 0, join them, one None per worker of stage 1, join them, and
so on (None is a safe stop signal here, since every item travels as an (index, value)
tuple). The last stage puts (index, output) on a results queue that the caller reads
once every worker has been joined.

Scores: 33
"""
import queue
import threading


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
    done = queue.SimpleQueue()

    def work(k):
        while True:
            job = inboxes[k].get()
            if job is None:
                return
            index, value = job
            try:
                value = stages[k](value)
            except Exception as exc:
                done.put((index, exc))
                continue
            if k + 1 < len(stages):
                inboxes[k + 1].put((index, value))
            else:
                done.put((index, value))

    crews = [[threading.Thread(target=work, args=(k,)) for _ in range(c)]
             for k, c in enumerate(counts)]
    for crew in crews:
        for t in crew:
            t.start()
    n = 0
    try:
        for n, item in enumerate(items, 1):
            inboxes[0].put((n - 1, item))
    finally:
        for k, crew in enumerate(crews):
            for _ in crew:
                inboxes[k].put(None)
            for t in crew:
                t.join()
    outputs = [None] * n
    while not done.empty():
        index, value = done.get()
        outputs[index] = value
    return outputs
