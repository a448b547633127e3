"""A thread per URL, but a BoundedSemaphore of max_workers permits is taken before each
thread starts and given back when it ends: never more than max_workers threads (so
requests) at once, and every thread joined.

Scores: 30
"""
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
    ok = response.ok
    return {"url": url, "status": response.status_code, "size": len(response.content),
            "time": time.perf_counter() - start, "success": ok,
            "error": None if ok else f"HTTP {response.status_code} {response.reason}"}


def download_all(urls, max_workers=5) -> list[dict]:
    """fetch_url_info for every URL, at most max_workers in flight, results in input order."""
    urls = list(urls)
    results = [None] * len(urls)
    slots = threading.BoundedSemaphore(max_workers)
    threads = []

    def work(index, url):
        try:
            results[index] = fetch_url_info(url)
        finally:
            slots.release()

    for index, url in enumerate(urls):
        slots.acquire()
        thread = threading.Thread(target=work, args=(index, url))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return results
