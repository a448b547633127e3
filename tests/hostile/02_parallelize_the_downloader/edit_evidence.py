"""Hostile: the sequential downloader (the broken variant sequential), which reaches for the
grader's evidence through requests' patched Session.get_adapter (the web double's tracker:
its peak, its thread idents, its end times) and rewrites it to look like 5 requests in
flight. The tracker is in the grader's process; the worker holds an adapter that only
asks: it earns what the sequential downloader earns.
Scores: 21
Base: broken/sequential
"""
_real_download_all = download_all


def download_all(urls, max_workers=5):
    import requests
    try:
        adapter = requests.Session().get_adapter("https://files.ck.test/")
        for holder in (adapter, getattr(adapter, "web", None)):
            tracker = getattr(holder, "tracker", None)
            if tracker is not None:
                tracker.peak = max_workers
                for i, call in enumerate(tracker.calls):
                    call.thread_ident = i
    except Exception:
        pass
    return _real_download_all(urls, max_workers)
