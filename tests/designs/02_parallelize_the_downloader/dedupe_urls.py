"""Subtle: "saves requests" by fetching each distinct URL once (a dict of futures keyed by
URL) and copying the result to every position. Right results, right order, overlapping
and bounded, but a URL listed three times is requested once: the contract says
fetch_url_info for every URL.

Scores: 29
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
    urls = list(urls)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = {url: pool.submit(fetch_url_info, url) for url in dict.fromkeys(urls)}
        return [dict(futures[url].result()) for url in urls]
