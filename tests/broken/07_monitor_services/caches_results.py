"""Spares the services: a service checked less than 30 s ago is not checked again, its last
status is reported instead. The dashboard then shows what a service said before, from a
check that was never called for this report: a service that went down since looks fine.

Fails: test_on_result_optional
"""
import concurrent.futures
import time

FRESH_FOR = 30.0  # seconds a status is reused
_recent = {}  # name -> (when, status)


def _status(future) -> str:
    """'healthy', 'unhealthy' or 'error' for a finished check."""
    try:
        return "healthy" if future.result() else "unhealthy"
    except Exception:  # noqa: BLE001 - a check that raises is an 'error', whatever it raised
        return "error"


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    """checks: {name: callable returning True (healthy) or False}. Runs them concurrently and
    returns {name: 'healthy' | 'unhealthy' | 'error' | 'timeout'} within `timeout` seconds even
    if some check never returns. on_result(name, status), if given, is called as each check
    finishes, fastest first."""
    checks = dict(checks)
    if not checks:
        return {}
    deadline = time.monotonic() + timeout
    statuses = {}
    for name in checks:
        when, status = _recent.get(name, (None, None))
        if when is not None and time.monotonic() - when < FRESH_FOR:
            statuses[name] = status
            if on_result is not None:
                on_result(name, status)
    todo = {name: check for name, check in checks.items() if name not in statuses}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(todo))))
    try:
        names = {pool.submit(check): name for name, check in todo.items()}
        pending = set(names)
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            done, pending = concurrent.futures.wait(
                pending, timeout=remaining, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                name = names[future]
                statuses[name] = _status(future)
                _recent[name] = (time.monotonic(), statuses[name])
                if on_result is not None:
                    on_result(name, statuses[name])
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return {name: statuses.get(name, "timeout") for name in checks}
