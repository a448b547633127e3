"""Assignment 2: parallelize the downloader (reference solution).

Waiting work, so threads: a ThreadPoolExecutor runs up to max_workers requests at once,
and `executor.map` hands the results back in input order, whatever order they finish in.
"""
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
        # No response at all: the host is down, unknown, or too slow.
        return {"url": url, "status": None, "size": 0,
                "time": time.perf_counter() - start,
                "success": False, "error": f"{type(exc).__name__}: {exc}"}
    elapsed = time.perf_counter() - start
    ok = response.status_code < 400
    return {"url": url, "status": response.status_code, "size": len(response.content),
            "time": elapsed, "success": ok,
            "error": None if ok else f"HTTP {response.status_code} {response.reason}"}


def download_all(urls, max_workers=5) -> list[dict]:
    """fetch_url_info for every URL, at most max_workers in flight, results in input order."""
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    urls = list(urls)
    if not urls:
        return []
    # No more threads than URLs; `with` waits for every thread before returning.
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(max_workers, len(urls))) as pool:
        return list(pool.map(fetch_url_info, urls))
