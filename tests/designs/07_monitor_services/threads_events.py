"""Correct: hand-made threads. min(max_workers, len(checks)) workers take (name, check) from
a queue and put (name, status) on another; the caller collects with get(timeout=time left)
until the one deadline, then sets a `stop` Event: a worker looks at it before taking the
next check, so nothing queued starts after the report, and each worker ends once its
current check returns.

Scores: 31
"""
import queue
import threading
import time


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    deadline = time.monotonic() + timeout
    todo, results = queue.SimpleQueue(), queue.SimpleQueue()
    stop = threading.Event()
    for item in checks.items():
        todo.put(item)

    def worker():
        while not stop.is_set():
            try:
                name, check = todo.get_nowait()
            except queue.Empty:
                return
            try:
                status = "healthy" if check() else "unhealthy"
            except Exception:  # noqa: BLE001
                status = "error"
            results.put((name, status))

    for _ in range(min(max_workers, len(checks))):
        threading.Thread(target=worker, name="health-worker").start()
    statuses = {}
    try:
        while len(statuses) < len(checks):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                name, status = results.get(timeout=remaining)
            except queue.Empty:
                break
            statuses[name] = status
            if on_result is not None:
                on_result(name, status)
    finally:
        stop.set()
    return {name: statuses.get(name, "timeout") for name in checks}
