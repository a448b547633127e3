"""Subtle bug: a thread per check and a Semaphore(max_workers), results by the one
deadline, but nothing tells a waiting thread the report is done: once the hung checks
return, the threads still waiting for the semaphore run their checks, for nobody.

Scores: 29
"""
import queue
import threading
import time


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    deadline = time.monotonic() + timeout
    slots = threading.Semaphore(max_workers)
    results = queue.SimpleQueue()

    def run(name, check):
        with slots:
            try:
                status = "healthy" if check() else "unhealthy"
            except Exception:  # noqa: BLE001
                status = "error"
        results.put((name, status))

    for name, check in checks.items():
        threading.Thread(target=run, args=(name, check), daemon=True).start()
    statuses = {}
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
    return {name: statuses.get(name, "timeout") for name in checks}
