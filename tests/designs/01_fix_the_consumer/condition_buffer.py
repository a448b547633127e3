"""No queue.Queue at all: a bounded buffer made of a deque and one Condition, closed by the
producer when the items are over (Go's close(channel)). Consumers wait while the buffer is
empty and open, and stop when it is empty and closed; notify_all() on close wakes every one
of them.

Scores: 32
"""
import collections
import threading


def process_all(items, handle, num_workers=3, queue_size=5) -> dict:
    """A producer thread feeds `items` (any iterable, possibly slow: a generator that pauses)
    through a queue bounded at `queue_size` to `num_workers` consumer threads that call
    `handle(item)`. Returns {index: handle(item)} for every item, or {index: exception} where
    handle raised."""
    buffer = collections.deque()
    cond = threading.Condition()
    state = {"closed": False}
    results = {}

    def produce():
        try:
            for index, item in enumerate(items):
                with cond:
                    while len(buffer) >= queue_size:
                        cond.wait()
                    buffer.append((index, item))
                    cond.notify_all()
        finally:
            with cond:
                state["closed"] = True
                cond.notify_all()

    def consume():
        while True:
            with cond:
                while not buffer and not state["closed"]:
                    cond.wait()
                if not buffer:
                    return
                index, item = buffer.popleft()
                cond.notify_all()
            try:
                outcome = handle(item)
            except Exception as exc:
                outcome = exc
            with cond:
                results[index] = outcome

    threads = [threading.Thread(target=consume) for _ in range(num_workers)]
    threads.append(threading.Thread(target=produce))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
