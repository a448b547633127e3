"""Correct: asyncio. Each check runs in a ThreadPoolExecutor of max_workers through
loop.run_in_executor, wrapped so that it returns its status (its own exceptions caught
where it runs); a task per check awaits it with asyncio.wait_for(..., time left until the
one deadline) and reports it as it finishes. At the deadline wait_for cancels what is
still waiting (a queued check never starts); the pool is shut down without waiting.

Scores: 31
"""
import asyncio
import concurrent.futures


def _status(check):
    try:
        return "healthy" if check() else "unhealthy"
    except Exception:  # noqa: BLE001 - the check's own exception, TimeoutError included
        return "error"


async def _monitor(checks, timeout, pool, on_result):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    statuses = {}

    async def one(name, check):
        try:
            status = await asyncio.wait_for(loop.run_in_executor(pool, _status, check),
                                            timeout=max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:  # only the deadline: _status never raises
            return
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
