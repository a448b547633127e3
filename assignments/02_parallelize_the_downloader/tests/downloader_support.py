"""Helpers shared by assignment 2's visible and hidden tests."""
from __future__ import annotations

KEYS = {"url", "status", "size", "time", "success", "error"}
HOST = "https://files.ck.test"

SEQUENTIAL = ("download_all() still fetches one URL after another, the lesson's sequential "
              "loop: each request waits for the one before it. Waiting work is what threads "
              "are for: a ThreadPoolExecutor(max_workers=max_workers) overlaps the waits")
LOCKED = ("if you do use threads, something makes them take turns: a lock held around the "
          "request, or waiting for each future right after submitting it")


def grader_fetch(url, timeout=5.0) -> int:
    """The grader's own request, one after another: the speedup test's baseline."""
    import requests
    return len(requests.get(url, timeout=timeout).content)


def serve(web, count, latency, *, prefix="f", size=lambda i: 100 + i):
    """Register `count` URLs answering 200 with size(i) bytes after `latency` s."""
    return [web.add(f"{HOST}/{prefix}{i}", body=b"x" * size(i), latency=latency)
            for i in range(count)]


def check_shape(feedback, result, url):
    """One result dict of the contract's shape for `url`."""
    feedback.check(isinstance(result, dict),
                   f"fetch_url_info({url!r}) must return a dict.",
                   measured=f"{type(result).__name__}: {result!r:.120}", expected="a dict")
    missing = KEYS - set(result)
    feedback.check(not missing,
                   f"The result for {url!r} lacks key(s) {sorted(missing)}.",
                   measured=f"keys {sorted(result)}", expected=f"keys {sorted(KEYS)}",
                   cause="every result has all six keys, whether the request worked or not "
                         "(use None where there is no value)")
    feedback.check(result["url"] == url, "The result's 'url' is not the URL fetched.",
                   measured=repr(result["url"]), expected=repr(url))


def check_in_order(feedback, results, urls, sizes, *, order=True):
    """download_all's results: one per URL, each with the right size, in input order
    (checked only where `order`: a few tests own the ordering, so one bug costs once)."""
    feedback.check(isinstance(results, list) and len(results) == len(urls),
                   f"download_all() must return one result per URL ({len(urls)}).",
                   measured=(f"{len(results)} results" if isinstance(results, list)
                             else f"a {type(results).__name__}"),
                   expected=f"a list of {len(urls)} dicts",
                   cause="results lost or duplicated while collecting them from the workers")
    got = [r.get("url") if isinstance(r, dict) else r for r in results]
    if not order:
        feedback.check(sorted(map(str, got)) == sorted(urls),
                       "download_all() must return one result for each URL.",
                       measured=repr(got)[:300], expected=repr(urls)[:300])
        by_url = {}
        for r in results:
            by_url.setdefault(r.get("url"), []).append(r)
        results = [by_url[u].pop(0) for u in urls]
    elif got != urls:
        first = next(i for i, (a, b) in enumerate(zip(got, urls)) if a != b)
        feedback.fail("The results are not in the order of the input URLs.",
                      measured=f"position {first} holds {got[first]!r}",
                      expected=f"position {first} holds {urls[first]!r} (input order)",
                      cause="results collected in the order the downloads finished "
                            "(as_completed, or appending from each thread). executor.map() "
                            "returns them in input order; or keep each future with its index")
    for r, url, size in zip(results, urls, sizes):
        feedback.check(r.get("success") is True and r.get("size") == size,
                       f"The result for {url} is wrong.",
                       measured=f"success={r.get('success')!r}, size={r.get('size')!r}",
                       expected=f"success=True, size={size}")
