"""Assignment 2, hidden tests: the same behaviours with other sizes, failures and inputs.

Never shipped to students; `make grade` runs them, `make check` does not.
"""
from __future__ import annotations

import pytest
from downloader_support import (HOST, LOCKED, SEQUENTIAL, HeldRequests, check_in_order,
                                 check_requested, check_shape, serve)

from autograder.checks import clip

pytestmark = pytest.mark.visibility("after_published")


def _mixed(web):
    """URLs that work, answer with an error, or never answer; and what each should give."""
    return [
        (web.add(f"{HOST}/m/ok1", body=b"a" * 10, latency=0.05), True, 200),
        (web.add(f"{HOST}/m/missing", status=404, latency=0.02), False, 404),
        (web.add(f"{HOST}/m/down", error="connection", latency=0.02), False, None),
        (web.add(f"{HOST}/m/ok2", body=b"b" * 20, latency=0.03), True, 200),
        (web.add(f"{HOST}/m/broken", status=500), False, 500),
        ("https://unknown-host.ck.test/m", False, None),
        (web.add(f"{HOST}/m/refused", error="timeout"), False, None),
    ]


@pytest.mark.points(2)
def test_errors_recorded_in_batch(download_all, web, guard, feedback):
    """download_all: HTTP errors and dead hosts among good URLs are each recorded, in order"""
    cases = _mixed(web)
    urls = [u for u, _, _ in cases]
    try:
        results = guard.call(download_all, urls, max_workers=3, deadline=5)
    except Exception as exc:  # noqa: BLE001
        feedback.fail(f"download_all() raised {type(exc).__name__} for a batch with bad URLs.",
                      measured=f"{type(exc).__name__}: {exc}",
                      expected="a result for every URL; failures recorded with success=False",
                      cause="an exception from one request escaped fetch_url_info (or the "
                            "worker) and reached future.result(): catch "
                            "requests.RequestException inside fetch_url_info")
    feedback.check(isinstance(results, list) and [r.get("url") for r in results] == urls,
                   "download_all() must return one result per URL, in input order.",
                   measured=(clip(repr([r.get("url") if isinstance(r, dict) else r for r in results]), 300)
                             if isinstance(results, list) else clip(repr(results), 200)),
                   expected=clip(repr(urls), 300),
                   cause="results collected in the order the downloads finished (as_completed), "
                         "or lost: executor.map() returns one result per URL in input order")
    wrong = [(url, r.get("success"), r.get("status")) for (url, ok, status), r in zip(cases, results)
             if r.get("success") is not ok or r.get("status") != status]
    feedback.check(not wrong, f"{len(wrong)} result(s) have the wrong success or status.",
                   measured="; ".join(f"{u}: success={s!r}, status={st!r}" for u, s, st in wrong),
                   expected="success True only for a 2xx/3xx answer; status None when no answer came",
                   cause="HTTP errors counted as successes (requests does not raise for 404/500), "
                         "or a status invented for a request that got no answer")


@pytest.mark.points(1)
@pytest.mark.parametrize("count, workers", [(3, 5), (20, 8), (6, 1)],
                         ids=["3urls-5workers", "20urls-8workers", "6urls-1worker"])
def test_concurrency_other_sizes(download_all, web, guard, feedback, count, workers):
    """download_all: exactly min(max_workers, len(urls)) requests in flight at the peak"""
    urls = serve(web, count, latency=0.08, prefix=f"s{count}-")
    web.tracker = HeldRequests(wave_limit=workers)
    results = guard.call(download_all, urls, max_workers=workers, deadline=8)
    want = min(workers, count)
    feedback.measure("most requests in flight at once", web.peak, expected=want)
    check_in_order(feedback, results, urls, [100 + i for i in range(count)], order=False)
    feedback.check(web.peak <= workers,
                   f"{web.peak} requests were in flight at once with max_workers={workers}.",
                   measured=f"peak {web.peak}", expected=f"at most {workers}",
                   cause="more threads than max_workers: a thread per URL, or a pool size "
                         "that ignores the argument")
    feedback.check(web.peak >= want,
                   f"Only {web.peak} request(s) in flight with {count} URLs and max_workers={workers}.",
                   measured=f"peak {web.peak} in flight, from {web.thread_count} thread(s)",
                   expected=f"{want} at once",
                   cause=SEQUENTIAL if web.thread_count <= 1 else LOCKED)


@pytest.mark.points(1)
def test_duplicate_urls(download_all, web, guard, feedback):
    """download_all: a URL listed three times is fetched and reported three times"""
    a = web.add(f"{HOST}/dup/a", body=b"a" * 7, latency=0.03)
    b = web.add(f"{HOST}/dup/b", body=b"b" * 9, latency=0.03)
    urls = [a, b, a, a, b]
    results = guard.call(download_all, urls, max_workers=1, deadline=5)
    check_in_order(feedback, results, urls, [7, 9, 7, 7, 9])
    feedback.check(web.calls_to(a) == 3 and web.calls_to(b) == 2,
                   "Every URL in the list is fetched, duplicates too.",
                   measured=f"{web.calls_to(a)} request(s) to a, {web.calls_to(b)} to b",
                   expected="3 to a, 2 to b",
                   cause="results kept in a dict keyed by URL, so repeated URLs collapse")


@pytest.mark.points(2)
def test_slow_url_does_not_block_others(download_all, web, guard, feedback):
    """download_all: while one download is slow, the other workers keep going"""
    slow = web.add(f"{HOST}/big", body=b"s" * 50, latency=0.8)
    fast = serve(web, 8, latency=0.04, prefix="quick")
    urls = [slow] + fast
    # The slow one is answered only once the fast ones are done (or once nothing else is
    # asked for): a design that waits for it before asking for the rest shows it every time.
    web.tracker = HeldRequests(after={slow: fast})
    results = guard.call(download_all, urls, max_workers=3, deadline=6)
    check_in_order(feedback, results, urls, [50] + [100 + i for i in range(8)])
    calls = {c.arg: c for c in web.tracker.calls}
    slow_end = calls[slow].end
    late = [u for u in fast if calls[u].end > slow_end]
    feedback.measure("fast URLs finished after the slow one", len(late), expected=0)
    feedback.check(not late,
                   f"{len(late)} of 8 fast URLs waited for the one slow download to finish.",
                   measured=f"{len(late)} fast downloads ended after the 0.8 s one",
                   expected="all 8 done while the slow one is still loading (2 free workers)",
                   cause="work handed out in waves: submit max_workers URLs, wait for all of "
                         "them, then the next wave. The slowest URL of each wave holds up the "
                         "rest. Submit everything to one pool and let free workers take the "
                         "next URL")


@pytest.mark.points(1)
def test_invalid_url(fetch_url_info, web, guard, feedback):
    """fetch_url_info: a malformed URL is recorded, not raised"""
    url = "not a url at all"
    try:
        result = guard.call(fetch_url_info, url, deadline=3)
    except Exception as exc:  # noqa: BLE001
        feedback.fail(f"fetch_url_info({url!r}) raised {type(exc).__name__}.",
                      measured=f"{type(exc).__name__}: {exc}",
                      expected="a result dict with success=False",
                      cause="only some errors are caught: requests raises MissingSchema or "
                            "InvalidURL here, which are requests.RequestException too")
    check_shape(feedback, result, url)
    feedback.check(result["success"] is False and isinstance(result["error"], str),
                   "A malformed URL is a failure with a readable error.",
                   measured=f"success={result['success']!r}, error={result['error']!r}",
                   expected="success=False and the error as text")


@pytest.mark.points(1)
def test_no_thread_left_after_errors(download_all, web, guard, feedback):
    """download_all leaves no thread behind, even when requests fail"""
    cases = _mixed(web)
    urls = [u for u, _, _ in cases]
    try:
        guard.call(download_all, urls, max_workers=4, deadline=5)
    except Exception:  # noqa: BLE001 - raising is graded elsewhere; here only leftovers count
        pass
    known = [u for u in urls if "unknown-host" not in u]
    check_requested(feedback, web, known, "Leaving no thread behind")
    guard.check_no_leaks(
        cause="the pool is not shut down when the work ends: `with ThreadPoolExecutor(...) "
              "as pool:` shuts it down on every path, errors included")
