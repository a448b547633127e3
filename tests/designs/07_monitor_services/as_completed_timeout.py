"""Correct: a ThreadPoolExecutor outside any `with`, results collected with
as_completed(futures, timeout=...) until its TimeoutError, then the pool shut down without
waiting and its queued checks cancelled.

Scores: 31
"""
import concurrent.futures


def _status(future):
    try:
        return "healthy" if future.result() else "unhealthy"
    except Exception:  # noqa: BLE001
        return "error"


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    if not checks:
        return {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_workers)
    statuses = {}
    try:
        futures = {pool.submit(check): name for name, check in checks.items()}
        try:
            for future in concurrent.futures.as_completed(futures, timeout=timeout):
                name = futures[future]
                statuses[name] = _status(future)
                if on_result is not None:
                    on_result(name, statuses[name])
        except concurrent.futures.TimeoutError:
            pass
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return {name: statuses.get(name, "timeout") for name in checks}
