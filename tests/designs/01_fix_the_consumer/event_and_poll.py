"""An Event instead of sentinels: the producer sets `finished` after its last put; consumers
poll with a short get() timeout and stop only when the producer has finished AND the queue
is empty (checked in that order, so an item put just before the Event is never missed).
A slow producer is not a finished one, so a long pause loses nothing; the end costs one
short poll (0.02 s), not a long timeout.

Scores: 32
"""
import queue
import threading


def process_all(items, handle, num_workers=3, queue_size=5) -> dict:
    """A producer thread feeds `items` (any iterable, possibly slow: a generator that pauses)
    through a queue bounded at `queue_size` to `num_workers` consumer threads that call
    `handle(item)`. Returns {index: handle(item)} for every item, or {index: exception} where
    handle raised."""
    work = queue.Queue(maxsize=queue_size)
    finished = threading.Event()
    results = {}
    lock = threading.Lock()

    def produce():
        try:
            for index, item in enumerate(items):
                work.put((index, item))
        finally:
            finished.set()

    def consume():
        while True:
            try:
                index, item = work.get(timeout=0.02)
            except queue.Empty:
                if finished.is_set() and work.empty():
                    return
                continue
            try:
                outcome = handle(item)
            except Exception as exc:
                outcome = exc
            with lock:
                results[index] = outcome

    threads = [threading.Thread(target=produce)]
    threads += [threading.Thread(target=consume) for _ in range(num_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
