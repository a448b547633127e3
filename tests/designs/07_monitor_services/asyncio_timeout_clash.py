"""Subtle bug: asyncio, as in asyncio_wait_for.py, but the check's own exception and the
deadline are caught by one `except asyncio.TimeoutError`: since Python 3.11 that is the
builtin TimeoutError, so a check that raises TimeoutError (a service that timed out on
its side, in 20 ms) is reported 'timeout' instead of 'error'. (On Python 3.10, where
asyncio.TimeoutError is a class of its own, this design earns 31.)

Scores: 29
"""
import asyncio
import concurrent.futures


async def _monitor(checks, timeout, pool, on_result):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    statuses = {}

    async def one(name, check):
        try:
            ok = await asyncio.wait_for(loop.run_in_executor(pool, check),
                                        timeout=max(0.0, deadline - loop.time()))
            status = "healthy" if ok else "unhealthy"
        except asyncio.TimeoutError:
            return
        except Exception:  # noqa: BLE001
            status = "error"
        statuses[name] = status
        if on_result is not None:
            on_result(name, status)

    await asyncio.gather(*(one(name, check) for name, check in checks.items()))
    return {name: statuses.get(name, "timeout") for name in checks}


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    if not checks:
        return {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_workers)
    try:
        return asyncio.run(_monitor(dict(checks), timeout, pool, on_result))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
