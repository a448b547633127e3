"""Collects with as_completed(timeout=...) and marks the late checks 'timeout', but inside a
`with ThreadPoolExecutor(...)` block: its exit calls shutdown(wait=True), which waits for
the hung check anyway.

Fails: test_hung_check_times_out, test_no_thread_left_once_released, test_mixed_batch,
    test_deadline_is_total, test_queued_checks_never_start,
    test_no_on_result_after_return
"""
import concurrent.futures


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
    statuses = {}
    if not checks:
        return {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max_workers) as executor:
        futures = {executor.submit(check): name for name, check in checks.items()}
        try:
            for future in concurrent.futures.as_completed(futures, timeout=timeout):
                statuses[futures[future]] = _status(future)
                if on_result is not None:
                    on_result(futures[future], statuses[futures[future]])
        except concurrent.futures.TimeoutError:
            pass
    return {name: statuses.get(name, "timeout") for name in checks}
