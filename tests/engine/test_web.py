"""autograder.checks.web: fake HTTP for requests, concurrent, never the real network."""
from __future__ import annotations

import threading

import pytest
import requests
import requests_mock

from autograder.checks.timing import now
from autograder.checks.web import MockWeb, read_timeout

N = 5


def _together(n, target):
    """Run target(i) in n threads released at once; return the wall time."""
    barrier = threading.Barrier(n)
    errors = []

    def run(i):
        barrier.wait(5)
        try:
            target(i)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    start = now()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors, errors
    return now() - start


@pytest.mark.parametrize("style", ["requests.get", "shared session", "session per thread"])
def test_requests_overlap_whichever_way_they_are_made(style):
    """The point of MockWeb: N threads waiting 0.3 s each are N requests in flight."""
    with MockWeb() as web:
        urls = [web.add(f"https://ck.test/{i}", body=b"x" * i, latency=0.3) for i in range(N)]
        shared = requests.Session()
        sizes = {}

        def fetch(i):
            if style == "requests.get":
                r = requests.get(urls[i], timeout=5)
            elif style == "shared session":
                r = shared.get(urls[i], timeout=5)
            else:
                with requests.Session() as own:
                    r = own.get(urls[i], timeout=5)
            sizes[i] = len(r.content)

        took = _together(N, fetch)
    assert sizes == {i: i for i in range(N)}
    assert web.peak == N and web.thread_count == N and web.count == N
    assert sorted(web.urls) == sorted(urls)
    assert took < 0.3 * N / 2, f"{N} overlapping 0.3 s requests took {took:.2f} s"


def test_requests_mock_mocker_serialises_which_is_why_mockweb_exists():
    """The fact in DEVELOPERS.md, kept as a test: under requests_mock.Mocker the same
    threads never overlap, so it cannot grade a threaded downloader."""
    in_flight = peak = 0
    lock = threading.Lock()

    def slow(request, context):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        threading.Event().wait(0.05)
        with lock:
            in_flight -= 1
        return b"ok"

    with requests_mock.Mocker() as m:
        m.get("https://ck.test/m", content=slow)
        _together(4, lambda i: requests.get("https://ck.test/m"))
    assert peak == 1


def test_statuses_reasons_and_headers():
    with MockWeb() as web:
        web.add("https://ck.test/404", status=404, body="gone")
        web.add("https://ck.test/ok", body="fine", headers={"X-Ck": "1"})
        missing = requests.get("https://ck.test/404")
        ok = requests.get("https://ck.test/ok")
    assert (missing.status_code, missing.reason, missing.content) == (404, "Not Found", b"gone")
    assert (ok.status_code, ok.reason, ok.headers["X-Ck"]) == (200, "OK", "1")
    assert web.calls_to("https://ck.test/404") == 1


@pytest.mark.parametrize("error, exc_type", [
    ("connection", requests.exceptions.ConnectionError),
    ("timeout", requests.exceptions.ConnectTimeout),
    ("ssl", requests.exceptions.SSLError),
    (requests.exceptions.ChunkedEncodingError, requests.exceptions.ChunkedEncodingError),
])
def test_simulated_errors_are_requests_exceptions(error, exc_type):
    with MockWeb() as web:
        url = web.add("https://ck.test/bad", error=error, latency=0.05)
        start = now()
        with pytest.raises(exc_type):
            requests.get(url)
    assert now() - start >= 0.045          # the latency comes first, as on a real network
    assert web.count == 1


def test_unknown_error_name_is_refused():
    with pytest.raises(ValueError, match="unknown error"):
        MockWeb().add("https://ck.test/x", error="gremlins")


def test_timeout_is_honoured_and_recorded():
    with MockWeb() as web:
        url = web.add("https://ck.test/slow", latency=2.0)
        start = now()
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(url, timeout=0.2)
        took = now() - start
        requests.get(web.add("https://ck.test/fast", latency=0.01), timeout=(1, 3))
    assert 0.18 <= took < 1.0
    assert web.timeouts_seen == [0.2, (1, 3)]


@pytest.mark.parametrize("value, expected", [
    (None, None), (3, 3.0), (0.5, 0.5), ((1, 2), 2.0), ((4,), 4.0), ("soon", None)])
def test_read_timeout_of_every_form(value, expected):
    assert read_timeout(value) == expected


def test_unknown_host_is_a_connection_error_and_real_network_is_blocked():
    with MockWeb() as web:
        with pytest.raises(requests.exceptions.ConnectionError, match="no such host"):
            requests.get("https://nowhere.ck.test/")
        # Code that talks to requests' real adapter directly is stopped too.
        prepared = requests.Request("GET", "http://127.0.0.1:9/").prepare()
        with pytest.raises(requests.exceptions.ConnectionError, match="blocks real network"):
            requests.adapters.HTTPAdapter().send(prepared)
    assert web.count == 1


def test_stop_restores_requests():
    original = requests.Session.get_adapter
    web = MockWeb().start()
    assert requests.Session.get_adapter is not original
    web.stop()
    assert requests.Session.get_adapter is original
    assert isinstance(requests.Session().get_adapter("https://x.test/"), requests.adapters.HTTPAdapter)


def test_reset_forgets_requests_but_keeps_responses():
    with MockWeb() as web:
        url = web.add("https://ck.test/r", body="1")
        requests.get(url, timeout=1)
        web.reset()
        assert web.count == 0 and web.timeouts_seen == []
        assert requests.get(url).content == b"1"
    assert web.count == 1


def test_web_fixture_comes_from_the_plugin(web):
    """The plugin is a pytest11 entry point, so the fixture is here too; it is started."""
    web.add("https://ck.test/a", body="hello", latency=0.01)
    assert requests.get("https://ck.test/a").text == "hello"
    assert web.peak == 1 and web.count == 1
