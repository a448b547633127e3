"""Correct: ThreadPoolExecutor, collected with concurrent.futures.wait in short slices
(at most 50 ms, never past the one deadline) until the deadline; the pending futures
cancelled one by one, then shutdown(wait=False).

Scores: 31
"""
import concurrent.futures
import time


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    deadline = time.monotonic() + timeout
    statuses = {}
    if not checks:
        return statuses
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_workers)
    names = {pool.submit(check): name for name, check in checks.items()}
    pending = set(names)
    while pending and time.monotonic() < deadline:
        slice_ = min(0.05, max(0.0, deadline - time.monotonic()))
        done, pending = concurrent.futures.wait(pending, timeout=slice_)
        for future in done:
            error = future.exception()
            if error is not None:
                status = "error"
            else:
                status = "healthy" if future.result() else "unhealthy"
            statuses[names[future]] = status
            if on_result is not None:
                on_result(names[future], status)
    for future in pending:
        future.cancel()
    pool.shutdown(wait=False)
    return {name: statuses.get(name, "timeout") for name in checks}
