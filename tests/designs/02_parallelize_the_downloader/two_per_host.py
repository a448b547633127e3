"""Subtle: caps the pool at 2 threads whatever max_workers says ("two connections per
host, as browsers used to"). Bounded, ordered and right, but never more than 2 requests in
flight: 5 workers asked for, 2 given, and the speedup of 2 workers instead of 5.

Scores: 23
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
        return {"url": url, "status": None, "size": 0, "time": time.perf_counter() - start,
                "success": False, "error": f"{type(exc).__name__}: {exc}"}
    ok = response.ok
    return {"url": url, "status": response.status_code, "size": len(response.content),
            "time": time.perf_counter() - start, "success": ok,
            "error": None if ok else f"HTTP {response.status_code} {response.reason}"}


def download_all(urls, max_workers=5) -> list[dict]:
    """fetch_url_info for every URL, at most max_workers in flight, results in input order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(max_workers, 2)) as pool:
        return list(pool.map(fetch_url_info, urls))
