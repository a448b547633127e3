"""Reports each result from the pool's threads, with future.add_done_callback: fastest
first, as asked, but a check that answers after the deadline is still announced, after the
report said 'timeout' and check_services has returned.

Fails: test_no_on_result_after_return
"""
import concurrent.futures
import time


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
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(max_workers, len(checks)))
    statuses = {}
    try:
        names = {}
        for name, check in checks.items():
            future = pool.submit(check)
            names[future] = name
            if on_result is not None:
                future.add_done_callback(
                    lambda f, name=name: f.cancelled() or on_result(name, _status(f)))
        pending = set(names)
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            done, pending = concurrent.futures.wait(
                pending, timeout=remaining, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                statuses[names[future]] = _status(future)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return {name: statuses.get(name, "timeout") for name in checks}
