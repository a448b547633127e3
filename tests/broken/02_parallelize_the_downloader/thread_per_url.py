"""One thread per URL, whatever max_workers says: unbounded concurrency.

Fails: test_never_more_than_max_workers, test_concurrency_other_sizes[20urls-8workers],
    test_concurrency_other_sizes[6urls-1worker]
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
    results = [None] * len(urls)

    def work(i, url):
        results[i] = fetch_url_info(url)

    threads = [threading.Thread(target=work, args=(i, u)) for i, u in enumerate(urls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
