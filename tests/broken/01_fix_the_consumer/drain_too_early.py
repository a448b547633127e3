"""Collects results from a queue with `while not q.empty()` as soon as the producer is done, before the consumers finish.

Fails: test_every_item_handled_once,
    test_raising_handle_is_recorded,
    test_pausing_producer_loses_nothing,
    test_duplicate_items_each_handled,
    test_none_and_falsy_items,
    test_long_pause_other_sizes,
    test_every_handle_raises,
    test_any_iterable
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
    done = queue.Queue()
    producer_error = []

    def produce():
        try:
            for index, item in enumerate(items):
                work.put((index, item))
        except BaseException as exc:          # iterating `items` itself failed
            producer_error.append(exc)
        finally:
            # Whatever happened, tell every consumer the orders are over.
            for _ in range(num_workers):
                work.put(_STOP)

    def consume():
        while True:
            job = work.get()                  # no timeout: wait as long as the producer needs
            if job is _STOP:
                return
            index, item = job
            try:
                outcome = handle(item)
            except BaseException as exc:      # record it; this cook keeps working
                outcome = exc
            done.put((index, outcome))

    consumers = [threading.Thread(target=consume, name=f"consumer-{n}")
                 for n in range(num_workers)]
    producer = threading.Thread(target=produce, name="producer")
    for thread in consumers:
        thread.start()
    producer.start()

    producer.join()
    results = {}
    while not done.empty():           # FLAW: results still in flight are missed
        index, outcome = done.get()
        results[index] = outcome
    for thread in consumers:
        thread.join()

    if producer_error:
        raise producer_error[0]
    return results
