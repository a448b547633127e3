"""Subtle bug: the deadline is looked at only between results (as_completed with no
timeout, then `if time.monotonic() > deadline: break`). Fine while results keep coming;
a check that never answers holds the loop forever, and a late answer is waited for.

Scores: 19
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
        futures = {pool.submit(check): name for name, check in checks.items()}
        for future in concurrent.futures.as_completed(futures):
            if time.monotonic() > deadline:
                break
            try:
                status = "healthy" if future.result() else "unhealthy"
            except Exception:  # noqa: BLE001
                status = "error"
            statuses[futures[future]] = status
            if on_result is not None:
                on_result(futures[future], status)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return {name: statuses.get(name, "timeout") for name in checks}
