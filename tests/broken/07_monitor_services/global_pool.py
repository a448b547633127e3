"""Keeps one pool per max_workers in a module-level dict, to avoid the `with` block that
waits for hung checks: pending checks are cancelled at the deadline, but the pool is never
shut down, so its threads stay alive, idle, after every report.

Fails: test_no_thread_left_once_released
"""
import concurrent.futures
import time

_POOLS = {}


def _status(future) -> str:
    try:
        return "healthy" if future.result() else "unhealthy"
    except Exception:  # noqa: BLE001
        return "error"


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    """checks: {name: callable returning True (healthy) or False}. Runs them concurrently and
    returns {name: 'healthy' | 'unhealthy' | 'error' | 'timeout'} within `timeout` seconds even
    if some check never returns. on_result(name, status), if given, is called as each check
    finishes, fastest first."""
    deadline = time.monotonic() + timeout
    pool = _POOLS.get(max_workers)
    if pool is None:
        pool = _POOLS[max_workers] = concurrent.futures.ThreadPoolExecutor(max_workers)
    names = {pool.submit(check): name for name, check in checks.items()}
    statuses = {}
    pending = set(names)
    while pending:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        done, pending = concurrent.futures.wait(
            pending, timeout=remaining, return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
            statuses[names[future]] = _status(future)
            if on_result is not None:
                on_result(names[future], statuses[names[future]])
    for future in pending:
        future.cancel()
    return {name: statuses.get(name, "timeout") for name in checks}
