"""One check after another: a pool of one worker whatever max_workers says
(the deadline is kept).

A sequential monitor fails whatever needs checks to overlap: a hung check blocks the ones
queued behind it, and the slow ones eat the deadline; and a check reported 'timeout' that
never started while max_workers allowed it to is not believed.

Fails: test_hung_check_times_out, test_results_reported_as_they_complete,
    test_checks_run_concurrently, test_mixed_batch, test_deadline_is_total,
    test_queued_checks_never_start,
    test_bounded_other_sizes[5checks-2workers], test_bounded_other_sizes[3checks-8workers]
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
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1,
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
        pool.shutdown(wait=False, cancel_futures=True)
    return {name: statuses.get(name, "timeout") for name in checks}
