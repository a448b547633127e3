"""Correct: multiprocessing.pool.ThreadPool(max_workers) with apply_async; each result's
callback puts it on a queue the caller reads with get(timeout=time left) until the one
deadline; then terminate(): the queued checks are dropped, and each worker thread ends once
its current check returns.

Scores: 31
"""
import queue
from multiprocessing.pool import ThreadPool
import time


def _run(check):
    try:
        return "healthy" if check() else "unhealthy"
    except Exception:  # noqa: BLE001
        return "error"


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    deadline = time.monotonic() + timeout
    if not checks:
        return {}
    results = queue.SimpleQueue()
    pool = ThreadPool(max_workers)
    statuses = {}
    try:
        for name, check in checks.items():
            pool.apply_async(_run, (check,), callback=lambda s, name=name: results.put((name, s)))
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
        pool.terminate()
    return {name: statuses.get(name, "timeout") for name in checks}
