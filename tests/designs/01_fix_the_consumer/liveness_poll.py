"""Subtle: consumers poll get(timeout=0.5) and stop once the producer thread is dead and the
queue is empty. It never loses an item (a paused producer is alive), but every run ends with
a consumer waiting out its half-second timeout: process_all([]) takes 0.5 s, the tail after
the last item is 0.5 s, and four workers are slower than a plain loop on short work.

Scores: 27
"""
import queue
import threading


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

    producer = threading.Thread(target=produce)

    def consume():
        while True:
            try:
                index, item = work.get(timeout=0.5)
            except queue.Empty:
                if not producer.is_alive() and work.empty():
                    return
                continue
            try:
                outcome = handle(item)
            except Exception as exc:
                outcome = exc
            with lock:
                results[index] = outcome

    consumers = [threading.Thread(target=consume) for _ in range(num_workers)]
    producer.start()
    for t in consumers:
        t.start()
    producer.join()
    for t in consumers:
        t.join()
    return results
