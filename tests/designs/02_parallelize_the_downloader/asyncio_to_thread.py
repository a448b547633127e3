"""asyncio: one coroutine per URL, an asyncio.Semaphore(max_workers) around each blocking
fetch_url_info run with asyncio.to_thread, gather() for the results in input order. The
loop's executor gets max_workers threads (the default has only min(32, CPUs + 4));
asyncio.run shuts it down before returning.

Scores: 30
"""
import asyncio
import concurrent.futures
import time

import requests


def fetch_url_info(url, timeout=5.0) -> dict:
    """One GET with requests. Keys: url, status, size, time, success, error.
    Never raises for network or HTTP errors: success False and a readable error instead."""
    start = time.perf_counter()
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return {"url": url, "status": None, "size": 0, "time": time.perf_counter() - start,
                "success": False, "error": f"{type(exc).__name__}: {exc}"}
    ok = response.ok
    return {"url": url, "status": response.status_code, "size": len(response.content),
            "time": time.perf_counter() - start, "success": ok,
            "error": None if ok else f"HTTP {response.status_code} {response.reason}"}


def download_all(urls, max_workers=5) -> list[dict]:
    """fetch_url_info for every URL, at most max_workers in flight, results in input order."""
    return asyncio.run(_download(list(urls), max_workers))


async def _download(urls, max_workers):
    asyncio.get_running_loop().set_default_executor(
        concurrent.futures.ThreadPoolExecutor(max_workers=max_workers))
    gate = asyncio.Semaphore(max_workers)

    async def one(url):
        async with gate:
            return await asyncio.to_thread(fetch_url_info, url)

    return list(await asyncio.gather(*(one(u) for u in urls)))
