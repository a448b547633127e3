"""as_completed(futures, timeout=...) with one deadline, the pool shut down, but a check's
own TimeoutError is read as the deadline: `except TimeoutError` around future.result()
reports 'timeout' for a check that answered at once with an exception
(concurrent.futures.TimeoutError is the builtin TimeoutError since Python 3.11).

Fails: test_mixed_batch
"""
import concurrent.futures


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    if not checks:
        return {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_workers)
    statuses = {}
    try:
        futures = {pool.submit(check): name for name, check in checks.items()}
        for future in concurrent.futures.as_completed(futures, timeout=timeout):
            try:
                status = "healthy" if future.result() else "unhealthy"
            except TimeoutError:
                status = "timeout"
            except Exception:  # noqa: BLE001
                status = "error"
            statuses[futures[future]] = status
            if on_result is not None and status != "timeout":
                on_result(futures[future], status)
    except concurrent.futures.TimeoutError:
        pass
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return {name: statuses.get(name, "timeout") for name in checks}
