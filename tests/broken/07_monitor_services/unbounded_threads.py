"""A thread per check, whatever max_workers says; results through a queue, with a deadline.
Correct results, on time, but 500 services would mean 500 threads at once.

Fails: test_never_more_than_max_workers, test_bounded_other_sizes[5checks-2workers]
"""
import queue
import threading
import time


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    """checks: {name: callable returning True (healthy) or False}. Runs them concurrently and
    returns {name: 'healthy' | 'unhealthy' | 'error' | 'timeout'} within `timeout` seconds even
    if some check never returns. on_result(name, status), if given, is called as each check
    finishes, fastest first."""
    deadline = time.monotonic() + timeout
    results = queue.Queue()

    def run(name, check):
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
