"""Assignment 2, visible tests: what `make check ASSIGNMENT=2` runs.

Every request goes to the kit's fake web (`web` fixture): no network, a latency you can
count on, and every request in flight is counted. The hidden tests check the same
behaviours with other sizes and failures.
"""
from __future__ import annotations

import pytest
from downloader_support import (HOST, LOCKED, SEQUENTIAL, HeldRequests, check_in_order,
                                 check_requested, check_shape, grader_fetch, serve)

from autograder.checks import clip, timing


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_fetch_success(fetch_url_info, web, guard, feedback):
    """fetch_url_info: a 200 response gives status, size, time, success True, error None"""
    url = web.add(f"{HOST}/report.csv", body=b"r" * 1234, latency=0.05)
    result = guard.call(fetch_url_info, url, deadline=3)
    check_shape(feedback, result, url)
    feedback.measure("result", result)
    feedback.check(result["status"] == 200 and result["size"] == 1234,
                   "status and size of a 200 response with a 1234-byte body are wrong.",
                   measured=f"status={result['status']!r}, size={result['size']!r}",
                   expected="status=200, size=1234 (len(response.content))")
    feedback.check(result["success"] is True and result["error"] is None,
                   "A 200 response is a success with no error.",
                   measured=f"success={result['success']!r}, error={result['error']!r}",
                   expected="success=True, error=None")
    took = result["time"]
    feedback.check(isinstance(took, float) and 0.04 <= took < 1.0,
                   "'time' should be the seconds the request took (the server waited 0.05 s).",
                   measured=repr(took), expected="a float of about 0.05",
                   cause="time measured around the wrong lines, or in the wrong unit")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_fetch_http_errors(fetch_url_info, web, guard, feedback):
    """fetch_url_info: 404 and 500 are failures with their status and a readable error"""
    for status in (404, 500):
        url = web.add(f"{HOST}/status/{status}", status=status, body=b"nope")
        result = guard.call(fetch_url_info, url, deadline=3)
        check_shape(feedback, result, url)
        feedback.measure(f"result for HTTP {status}", result)
        feedback.check(result["status"] == status,
                       f"The status of a {status} response is not recorded.",
                       measured=repr(result["status"]), expected=repr(status))
        feedback.check(result["success"] is False,
                       f"An HTTP {status} response counted as a success.",
                       measured=f"success={result['success']!r}", expected="success=False",
                       cause="requests does not raise for 4xx/5xx answers: the server answered, "
                             "but with an error. Check response.status_code (or call "
                             "response.raise_for_status()) before calling it a success")
        error = result["error"]
        feedback.check(isinstance(error, str) and str(status) in error,
                       f"The error for HTTP {status} should say what went wrong.",
                       measured=repr(error), expected=f"a string mentioning {status}")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_fetch_connection_error(fetch_url_info, web, guard, feedback):
    """fetch_url_info: a host that is down or unknown is recorded, not raised"""
    for url in (web.add(f"{HOST}/down", error="connection"), "https://no-such-host.ck.test/x"):
        try:
            result = guard.call(fetch_url_info, url, deadline=3)
        except Exception as exc:  # noqa: BLE001 - the student's exception is the finding
            feedback.fail(f"fetch_url_info({url!r}) raised {type(exc).__name__}.",
                          measured=f"{type(exc).__name__}: {exc}",
                          expected="a result dict with success=False and the error as text",
                          cause="the request is not wrapped in try/except. A connection "
                                "error is an exception, not a status code: catch "
                                "requests.RequestException (the base of ConnectionError, "
                                "Timeout, ...) and record it")
        check_shape(feedback, result, url)
        feedback.measure(f"result for {url}", result)
        feedback.check(result["success"] is False and result["status"] is None,
                       "With no response there is no status, and no success.",
                       measured=f"success={result['success']!r}, status={result['status']!r}",
                       expected="success=False, status=None")
        feedback.check(isinstance(result["error"], str) and result["error"].strip(),
                       "The error should be readable text.", measured=repr(result["error"]),
                       expected="a non-empty string, e.g. 'ConnectionError: ...'")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_fetch_honours_timeout(fetch_url_info, web, guard, feedback):
    """fetch_url_info: timeout= is passed on, so a slow server fails after it, not later"""
    url = web.add(f"{HOST}/slow", body=b"late", latency=3.0)
    try:
        result = guard.call(fetch_url_info, url, timeout=0.3, deadline=6,
                            what="fetch_url_info(slow_url, timeout=0.3)")
    except Exception as exc:  # noqa: BLE001 - the student's exception is the finding
        feedback.fail(f"fetch_url_info(slow_url, timeout=0.3) raised {type(exc).__name__} "
                      f"after {guard.elapsed:.2f} s.",
                      measured=clip(f"{type(exc).__name__}: {exc}", 300),
                      expected="a result dict with success=False and the timeout as text, "
                               "after about 0.3 s",
                      cause="the timeout was passed on (good), but the Timeout it raises is not "
                            "caught: a request that times out is an exception, not a status "
                            "code. Catch requests.RequestException (the base of Timeout and "
                            "ConnectionError) and record it (lesson II, 'Handle exceptions: "
                            "Always wrap worker functions in try/except')")
    feedback.measure("returned after", f"{guard.elapsed:.2f} s", expected="about 0.3 s")
    feedback.measure("timeout= seen by requests", web.timeouts_seen[-1] if web.timeouts_seen else None)
    check_shape(feedback, result, url)
    feedback.check(guard.elapsed < 1.5 and result["success"] is False,
                   "A server that takes 3 s to answer should fail after the 0.3 s timeout.",
                   measured=f"returned after {guard.elapsed:.2f} s with success={result['success']!r}",
                   expected="success=False after about 0.3 s",
                   cause="the timeout argument is not passed to requests.get(url, timeout=...): "
                         "without it, requests waits as long as the server takes (forever, "
                         "for a server that never answers)")
    feedback.check(isinstance(result["error"], str) and "time" in result["error"].lower(),
                   "The error of a request that timed out should say so.",
                   measured=repr(result["error"]), expected="text mentioning the timeout")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_results_in_input_order(download_all, web, guard, feedback):
    """download_all: one result per URL, in input order, whatever order they finish in"""
    # The first URLs are the slowest, so they finish last when they run at once.
    latencies = [0.16, 0.14, 0.12, 0.10, 0.08, 0.06, 0.04, 0.02]
    urls = [web.add(f"{HOST}/ordered/{i}", body=b"o" * (10 * i + 1), latency=lat)
            for i, lat in enumerate(latencies)]
    # And the first one is answered only once all the others are: last, every time.
    web.tracker = HeldRequests(after={urls[0]: urls[1:]})
    results = guard.call(download_all, urls, max_workers=4, deadline=5)
    check_in_order(feedback, results, urls, [10 * i + 1 for i in range(len(urls))])


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_concurrency_reaches_max_workers(download_all, web, guard, feedback):
    """download_all: with 10 slow URLs and max_workers=5, 5 requests are in flight at once"""
    urls = serve(web, 10, latency=0.1)
    web.tracker = HeldRequests(wave_limit=5)
    guard.call(download_all, urls, max_workers=5, deadline=5)
    feedback.measure("most requests in flight at once", web.peak, expected=5)
    feedback.measure("distinct threads that made requests", web.thread_count)
    feedback.check(web.count == len(urls), "Not every URL was requested exactly once.",
                   measured=f"{web.count} requests", expected=f"{len(urls)}")
    feedback.check(web.peak >= 5,
                   f"Only {web.peak} request(s) were in flight at once with max_workers=5.",
                   measured=f"peak {web.peak} in flight, from {web.thread_count} thread(s)",
                   expected="5 in flight at once",
                   cause=(SEQUENTIAL if web.thread_count <= 1 else LOCKED))


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_never_more_than_max_workers(download_all, web, guard, feedback):
    """download_all: never more than max_workers requests in flight"""
    urls = serve(web, 12, latency=0.05)
    web.tracker = HeldRequests(wave_limit=3)
    results = guard.call(download_all, urls, max_workers=3, deadline=5)
    check_requested(feedback, web, urls, "Staying within max_workers")
    check_in_order(feedback, results, urls, [100 + i for i in range(len(urls))], order=False)
    feedback.measure("most requests in flight at once", web.peak, expected="<= 3")
    feedback.check(web.peak <= 3,
                   f"{web.peak} requests were in flight at once with max_workers=3.",
                   measured=f"peak {web.peak}", expected="at most 3",
                   cause="a thread per URL instead of a pool of max_workers threads: with "
                         "1000 URLs that is 1000 threads and 1000 connections to one server. "
                         "ThreadPoolExecutor(max_workers=max_workers) bounds it")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.timing
def test_speedup_over_sequential(download_all, web, feedback):
    """download_all is faster than the sequential loop, as 5 workers should be"""
    urls = serve(web, 10, latency=0.08)
    outputs = []

    def theirs():
        outputs.append(download_all(urls, max_workers=5))

    # The baseline is the grader's own loop, never the student's function.
    comparison, verdict = timing.measure_speedup(
        theirs, lambda: [grader_fetch(u) for u in urls],
        workers=5, candidate_name="download_all(max_workers=5)",
        baseline_name="one URL after another")
    # Speed counts only for a call that does the work: all of it, every round.
    check_requested(feedback, web, urls * len(outputs), "Speed")
    check_in_order(feedback, outputs[-1], urls, [100 + i for i in range(len(urls))], order=False)
    feedback.measure(f"speedup over one URL after another ({verdict.rounds} interleaved rounds)",
                     f"{verdict.measured:.2f}x", expected=f">= {verdict.required:.2f}x")
    feedback.flag(verdict.flag)
    feedback.note(comparison.text())
    if not verdict.passed:
        feedback.fail(f"download_all() was {verdict.measured:.2f}x as fast as fetching one URL "
                      f"after another.",
                      measured=f"{verdict.measured:.2f}x (the timings above)",
                      expected=f"at least {verdict.required:.2f}x: 10 requests that each wait "
                               f"0.08 s, 5 at a time, take about 2 waits instead of 10",
                      cause=SEQUENTIAL + "; " + LOCKED)


@pytest.mark.points(1)
@pytest.mark.visibility("visible")
def test_empty_list(download_all, web, guard, feedback):
    """download_all([]) returns [] at once"""
    result = guard.call(download_all, [], deadline=3)
    feedback.check(result == [], "download_all([]) must return an empty list.",
                   measured=clip(repr(result), 100), expected="[]")
    feedback.check(guard.elapsed < 0.5, "download_all([]) took too long.",
                   measured=f"{guard.elapsed:.2f} s", expected="well under 0.5 s",
                   cause="waiting for something with nothing to wait for")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
def test_no_thread_left_behind(download_all, web, guard, feedback):
    """download_all leaves no thread running once it returns"""
    urls = serve(web, 8, latency=0.03)
    results = guard.call(download_all, urls, max_workers=4, deadline=5)
    check_requested(feedback, web, urls, "Leaving no thread behind")
    check_in_order(feedback, results, urls, [100 + i for i in range(len(urls))], order=False)
    guard.check_no_leaks(
        cause="the pool was never shut down: use `with ThreadPoolExecutor(...) as pool:`, "
              "which waits for its threads when the block ends (or call "
              "pool.shutdown(wait=True))")
