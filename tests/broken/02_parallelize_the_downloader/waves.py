"""Hands out work in waves of max_workers URLs and waits for each whole wave:
one slow URL holds up every other worker.

Fails: test_slow_url_does_not_block_others
"""
import concurrent.futures
import threading
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
    elapsed = time.perf_counter() - start
    ok = response.status_code < 400
    return {"url": url, "status": response.status_code, "size": len(response.content),
            "time": elapsed, "success": ok,
            "error": None if ok else f"HTTP {response.status_code} {response.reason}"}


def download_all(urls, max_workers=5) -> list[dict]:
    """fetch_url_info for every URL, at most max_workers in flight, results in input order."""
    urls = list(urls)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max_workers) as pool:
        for i in range(0, len(urls), max_workers):
            wave = [pool.submit(fetch_url_info, u) for u in urls[i:i + max_workers]]
            results.extend(f.result() for f in wave)
    return results
