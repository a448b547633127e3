"""Correct: a thread per check, but a Semaphore(max_workers) lets only max_workers checks run
at once. A thread that gets the semaphore after the deadline sees the `late` Event and does
not start its check. Results come back through a Condition the caller waits on until the
one deadline.

Scores: 31
"""
import threading
import time


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    deadline = time.monotonic() + timeout
    slots = threading.Semaphore(max_workers)
    late = threading.Event()
    arrived = threading.Condition()
    finished = []  # (name, status), in the order they finished

    def run(name, check):
        with slots:
            if late.is_set():
                return
            try:
                status = "healthy" if check() else "unhealthy"
            except Exception:  # noqa: BLE001
                status = "error"
        with arrived:
            finished.append((name, status))
            arrived.notify()

    for name, check in checks.items():
        threading.Thread(target=run, args=(name, check), daemon=True).start()
    statuses = {}
    seen = 0
    with arrived:
        while len(statuses) < len(checks):
            while seen < len(finished):
                name, status = finished[seen]
                seen += 1
                statuses[name] = status
                if on_result is not None:
                    on_result(name, status)  # under the lock: results wait, none is lost
            remaining = deadline - time.monotonic()
            if len(statuses) == len(checks) or remaining <= 0:
                break
            arrived.wait(remaining)
        late.set()
    return {name: statuses.get(name, "timeout") for name in checks}
