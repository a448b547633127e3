"""Turns HTTP errors into failures, but never catches exceptions: a dead host,
a timeout or a malformed URL raises out of fetch_url_info and download_all.

Fails: test_fetch_connection_error, test_fetch_honours_timeout, test_errors_recorded_in_batch,
    test_invalid_url
"""
import concurrent.futures
import threading
import time

import requests


def fetch_url_info(url, timeout=5.0) -> dict:
    """One GET with requests. Keys: url, status, size, time, success, error.
    Never raises for network or HTTP errors: success False and a readable error instead."""
    start = time.perf_counter()
    response = requests.get(url, timeout=timeout)
    ok = response.status_code < 400
    return {"url": url, "status": response.status_code, "size": len(response.content),
            "time": time.perf_counter() - start, "success": ok,
            "error": None if ok else f"HTTP {response.status_code}"}


def download_all(urls, max_workers=5) -> list[dict]:
    """fetch_url_info for every URL, at most max_workers in flight, results in input order."""
    urls = list(urls)
    if not urls:
        return []
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(max_workers, len(urls))) as pool:
        return list(pool.map(fetch_url_info, urls))
