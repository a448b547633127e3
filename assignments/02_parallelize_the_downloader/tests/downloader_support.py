"""Helpers shared by assignment 2's visible and hidden tests."""
from __future__ import annotations

import os
import threading
from collections import Counter

from autograder.checks import CallTracker, clip, timing

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
                       measured=clip(repr(got), 300), expected=clip(repr(urls), 300))
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


# How long no new request may start before a held wave is let go, and the most any hold
# lasts: seconds on the grader's clock.
QUIET = 0.3
HOLD_LIMIT = 2.0


class HeldRequests(CallTracker):
    """The fake web's request log (install with `web.tracker = HeldRequests(...)`), holding
    requests so that the interleaving a test is about happens every time, not only when a
    busy scheduler happens to go that way:

    wave_limit=n   the first requests are held until more than n are in flight (too many,
                   shown) or no new request has started for QUIET s (every worker the design
                   has is waiting); then every request runs. The peak is then what the design
                   allows, not what the scheduler gave.
    after={u: [v, ...]}   a request for u waits until every request for the v's has ended,
                   or until nothing else is in flight and nothing new has started for QUIET s
                   (a design that waits for u before asking for the v's).
    Every hold ends after HOLD_LIMIT s at most; the latency of the URL comes after it.
    """

    def __init__(self, *, wave_limit=None, after=None):
        super().__init__()
        self.hold_note = ("the fake web held the first requests until no new one started "
                          "for a moment, to see how many run at once" if wave_limit else
                          "the fake web held some requests until others had ended")
        self.wave_limit = wave_limit
        self.after = dict(after or {})
        self._open = threading.Event()
        if wave_limit is None:
            self._open.set()
        self._latest = timing.now()
        self._holding = 0

    def track(self, arg, fn, *args, **kwargs):
        return super().track(arg, self._held, arg, fn, *args, **kwargs)

    def _held(self, url, fn, *args, **kwargs):
        began = self._latest = timing.now()
        if not self._open.is_set():
            self._wait(began, self._wave_done)
        if url in self.after:
            self._holding += 1
            try:
                self._wait(began, lambda: self._ended(self.after[url]))
            finally:
                self._holding -= 1
        return fn(*args, **kwargs)

    def _wave_done(self):
        if self.in_flight > self.wave_limit or timing.now() - self._latest >= QUIET:
            self._open.set()
        return self._open.is_set()

    def _ended(self, urls):
        if self.in_flight <= self._holding and timing.now() - self._latest >= QUIET:
            return True
        ended = Counter(c.arg for c in list(self.calls) if c.end is not None)
        return all(ended[u] >= n for u, n in Counter(urls).items())

    @staticmethod
    def _wait(began, done):
        while not done() and timing.now() - began < HOLD_LIMIT:
            timing.sleep(0.01)


def check_requested(feedback, web, urls, what):
    """The points of a hygiene test (bounded, nothing left behind) go to a call that did its
    work: every URL requested (as often as it is listed). A function that does nothing
    starts no thread and makes no request, so it breaks no limit, but that earns nothing."""
    asked = Counter(c.arg for c in web.tracker.calls if c.pid != os.getpid())   # not ours
    missing = [u for u, n in Counter(urls).items() if asked[u] < n]
    if not missing:
        return
    feedback.fail(f"{what} is only judged on a call that does the work, and this one did not.",
                  measured=f"{len(missing)} of {len(set(urls))} URLs not requested "
                           f"(as often as listed) by your code",
                  expected=f"every one of the {len(urls)} URLs requested",
                  cause="the points of this test are for doing the work cleanly: download "
                        "every URL first (the other tests say why it did not)")
