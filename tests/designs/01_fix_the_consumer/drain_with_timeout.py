"""Subtle: consumers send results through a queue, and the caller, once the producer is done,
drains it with get(timeout=0.1) until it times out, then stops the consumers. A result that
takes longer than 0.1 s to arrive after the one before it (a slow last item) is left in the
queue: the tests hold the last handle() call until the other threads are done, so it is
missed every time, in every test that checks the results. And the 0.1 s it waits for
nothing at the end makes four workers barely faster than a plain loop on short work.

Scores: 13
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
    done = queue.Queue()

    def produce():
        try:
            for index, item in enumerate(items):
                work.put((index, item))
        finally:
            for _ in range(num_workers):
                work.put(_STOP)

    def consume():
        while True:
            job = work.get()
            if job is _STOP:
                return
            index, item = job
            try:
                done.put((index, handle(item)))
            except Exception as exc:
                done.put((index, exc))

    consumers = [threading.Thread(target=consume) for _ in range(num_workers)]
    for t in consumers:
        t.start()
    producer = threading.Thread(target=produce)
    producer.start()
    producer.join()
    results = {}
    while True:
        try:
            index, outcome = done.get(timeout=0.1)
        except queue.Empty:
            break
        results[index] = outcome
    for t in consumers:
        t.join()
    return results
