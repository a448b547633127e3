"""Never shuts its pools down, and keeps them in a module-level list "to reuse
later" (it never does): idle worker threads stay alive after it returns.

Fails: test_no_thread_left_behind, test_no_thread_left_after_errors
"""
import concurrent.futures
import threading
import time

import requests

_POOLS = []


def fetch_url_info(url, timeout=5.0) -> dict:
    """One GET with requests. Keys: url, status, size, time, success, error.
    Never raises for network or HTTP errors: success False and a readable error instead."""
    start = time.perf_counter()
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return {"url": url, "status": None, "size": 0, "time": time.perf_counter() - start,
                "success": False, "error": f"{type(exc).__name__}: {exc}"}
    elapsed = time.perf_counter() - start
    ok = response.status_code < 400
    return {"url": url, "status": response.status_code, "size": len(response.content),
            "time": elapsed, "success": ok,
            "error": None if ok else f"HTTP {response.status_code} {response.reason}"}


def download_all(urls, max_workers=5) -> list[dict]:
    """fetch_url_info for every URL, at most max_workers in flight, results in input order."""
    urls = list(urls)
    if not urls:
        return []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(max_workers, len(urls)))
    _POOLS.append(pool)
    return list(pool.map(fetch_url_info, urls))
