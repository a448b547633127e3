"""Subtle bug: one deadline, every status right, the pool shut down, but the results are
read in the order the checks were given (wait([future], timeout=time left) for each in
turn): on_result for a fast check comes only after every slower check before it.

Scores: 28
"""
import concurrent.futures
import time


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    deadline = time.monotonic() + timeout
    if not checks:
        return {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_workers)
    statuses = {}
    try:
        futures = [(name, pool.submit(check)) for name, check in checks.items()]
        for name, future in futures:
            done, _ = concurrent.futures.wait([future],
                                              timeout=max(0.0, deadline - time.monotonic()))
            if not done:
                continue
            try:
                status = "healthy" if future.result() else "unhealthy"
            except Exception:  # noqa: BLE001
                status = "error"
            statuses[name] = status
            if on_result is not None:
                on_result(name, status)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return {name: statuses.get(name, "timeout") for name in checks}
