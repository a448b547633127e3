"""queue.join() to know the work is done, then one sentinel per consumer: the producer only
feeds; the caller waits for every task_done() (called in a finally, so a raising handle
cannot wedge it), then stops the consumers and joins everything.

Scores: 32
"""
import queue
import threading

_STOP = object()


def process_all(items, handle, num_workers=3, queue_size=5) -> dict:
    """A producer thread feeds `items` (any iterable, possibly slow: a generator that pauses)
    through a queue bounded at `queue_size` to `num_workers` consumer threads that call
    `handle(item)`. Returns {index: handle(item)} for every item, or {index: exception} where
    handle raised."""
    work = queue.Queue(maxsize=queue_size)
    results = {}
    lock = threading.Lock()

    def produce():
        for index, item in enumerate(items):
            work.put((index, item))

    def consume():
        while True:
            job = work.get()
            try:
                if job is _STOP:
                    return
                index, item = job
                try:
                    outcome = handle(item)
                except Exception as exc:
                    outcome = exc
                with lock:
                    results[index] = outcome
            finally:
                work.task_done()

    consumers = [threading.Thread(target=consume) for _ in range(num_workers)]
    for t in consumers:
        t.start()
    producer = threading.Thread(target=produce)
    producer.start()
    producer.join()          # every item is in the queue...
    work.join()              # ...and every one of them is done
    for _ in consumers:
        work.put(_STOP)
    for t in consumers:
        t.join()
    return results
