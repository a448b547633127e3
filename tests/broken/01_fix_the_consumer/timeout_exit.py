"""Consumers quit when get(timeout=1.0) finds the queue empty, instead of on a sentinel.

Fails: test_empty_input,
    test_pausing_producer_loses_nothing,
    test_returns_promptly,
    test_long_pause_other_sizes,
    test_speedup_over_sequential
"""
import queue
import threading

# A unique object can never be confused with an item (None can be an item).
_STOP = object()


def process_all(items, handle, num_workers=3, queue_size=5) -> dict:
    """A producer thread feeds `items` (any iterable, possibly slow: a generator that pauses)
    through a queue bounded at `queue_size` to `num_workers` consumer threads that call
    `handle(item)`. Returns {index: handle(item)} for every item, or {index: exception} where
    handle raised."""
    if num_workers < 1:
        raise ValueError(f"num_workers must be at least 1, not {num_workers}")
    if queue_size < 1:
        raise ValueError(f"queue_size must be at least 1, not {queue_size}")

    work = queue.Queue(maxsize=queue_size)   # bounded: put() blocks when cooks fall behind
    results = {}
    results_lock = threading.Lock()
    producer_error = []

    def produce():
        try:
            for index, item in enumerate(items):
                work.put((index, item))
        except BaseException as exc:          # iterating `items` itself failed
            producer_error.append(exc)
        finally:
            # Whatever happened, tell every consumer the orders are over.
            pass                              # consumers stop on their own (see below)

    def consume():
        while True:
            try:
                job = work.get(timeout=1.0)
            except queue.Empty:
                return                        # FLAW: empty for a second is not "done"
            index, item = job
            try:
                outcome = handle(item)
            except BaseException as exc:      # record it; this cook keeps working
                outcome = exc
            with results_lock:
                results[index] = outcome

    consumers = [threading.Thread(target=consume, name=f"consumer-{n}")
                 for n in range(num_workers)]
    producer = threading.Thread(target=produce, name="producer")
    for thread in consumers:
        thread.start()
    producer.start()

    producer.join()
    for thread in consumers:
        thread.join()

    if producer_error:
        raise producer_error[0]
    return results
