"""Assignment 6: build the pipeline.

The lesson's assembly line (section IV, Pattern 3: processing_pipeline), generalised from
three fixed stages to any list of stages. It runs, and on a good day it even gives the
right answer. Read README.md for what it must do; the tests say what it does instead.
"""
import queue
import threading


def run_pipeline(items, stages, workers_per_stage=1, queue_size=3) -> list:
    """Each item passes through every callable in `stages`, in order, each stage served by
    its own threads (workers_per_stage: an int, or one int per stage) and joined to the next
    by a queue bounded at queue_size. Returns the outputs in input order; where a stage raised,
    that item's output is the exception and the pipeline goes on."""
    stages = list(stages)
    if isinstance(workers_per_stage, int):
        counts = [workers_per_stage] * len(stages)
    else:
        counts = list(workers_per_stage)

    # One queue in front of every stage, like raw_queue and processed_queue in the lesson,
    # and the final products at the end (the lesson's finished_queue).
    queues = [queue.Queue() for _ in stages]
    finished_queue = queue.Queue()

    def stage_worker(k):
        inbox = queues[k]
        outbox = queues[k + 1] if k + 1 < len(stages) else finished_queue
        while True:
            try:
                item = inbox.get(timeout=1)
                if item is None:          # Shutdown signal
                    outbox.put(None)      # Pass shutdown signal
                    break
                outbox.put(stages[k](item))
                inbox.task_done()
            except queue.Empty:           # No more work available
                break

    workers = []
    for k, count in enumerate(counts):
        for w in range(count):
            t = threading.Thread(target=stage_worker, args=(k,))
            t.start()
            workers.append(t)

    # Feed raw materials into the pipeline
    for item in items:
        queues[0].put(item)
    # Signal end of input
    queues[0].put(None)

    # Wait for pipeline to complete
    for t in workers:
        t.join()

    final_products = []
    while True:
        try:
            product = finished_queue.get(timeout=1)
            if product is None:
                break
            final_products.append(product)
        except queue.Empty:
            break
    return final_products
