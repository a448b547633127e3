"""Hand-made threads: min(max_workers, len(urls)) workers take (index, url) jobs from a
queue.Queue until they meet a sentinel, write each result into its own slot of a list, and
are all joined before returning. One shared requests.Session per worker thread.

Scores: 30
"""
import queue
import threading
import time

import requests

_local = threading.local()
_STOP = object()


def _session():
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def fetch_url_info(url, timeout=5.0) -> dict:
    """One GET with requests. Keys: url, status, size, time, success, error.
    Never raises for network or HTTP errors: success False and a readable error instead."""
    start = time.perf_counter()
    try:
        response = _session().get(url, timeout=timeout)
    except requests.RequestException as exc:
        return {"url": url, "status": None, "size": 0, "time": time.perf_counter() - start,
                "success": False, "error": f"{type(exc).__name__}: {exc}"}
    ok = response.status_code < 400
    return {"url": url, "status": response.status_code, "size": len(response.content),
            "time": time.perf_counter() - start, "success": ok,
            "error": None if ok else f"HTTP {response.status_code} {response.reason}"}


def download_all(urls, max_workers=5) -> list[dict]:
    """fetch_url_info for every URL, at most max_workers in flight, results in input order."""
    urls = list(urls)
    results = [None] * len(urls)
    jobs = queue.Queue()
    for job in enumerate(urls):
        jobs.put(job)
    workers = [threading.Thread(target=_work, args=(jobs, results))
               for _ in range(min(max_workers, len(urls)))]
    for _ in workers:
        jobs.put(_STOP)
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return results


def _work(jobs, results):
    while True:
        job = jobs.get()
        if job is _STOP:
            return
        index, url = job
        results[index] = fetch_url_info(url)
