"""Shuts the pool down without waiting, but without cancel_futures: checks still
queued at the deadline start afterwards, for nobody.

Fails: test_queued_checks_never_start
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
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    deadline = time.monotonic() + timeout
    # No `with`: its exit would wait for every check, a hung one too.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(max_workers, len(checks)),
                                                 thread_name_prefix="health-check")
    statuses = {}
    try:
        names = {pool.submit(check): name for name, check in checks.items()}
        pending = set(names)
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            done, pending = concurrent.futures.wait(
                pending, timeout=remaining, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:  # report each result as it arrives: fastest first
                name = names[future]
                statuses[name] = _status(future)
                if on_result is not None:
                    on_result(name, statuses[name])
    finally:
        # Return now: checks not started yet never start; running ones finish on their own.
        pool.shutdown(wait=False)
    return {name: statuses.get(name, "timeout") for name in checks}
