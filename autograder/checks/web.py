"""Fake HTTP for graded tests, without the global lock of `requests_mock.Mocker`.

`requests_mock.Mocker` (and its pytest fixture) wraps every `Session.send` in one
process-wide lock, so a correctly threaded downloader measured against it shows a
speedup of 1.0 and one request in flight. `MockWeb` answers from a
`requests_mock.Adapter` instead, handed out by a patched `Session.get_adapter`: every
session (the hidden one inside `requests.get()`, one shared by all threads, one per
thread) reaches it, and nothing serialises the requests.

    with MockWeb() as web:                      # or the `web` fixture of the plugin
        web.add("https://ck.test/a", body=b"x" * 100, latency=0.1)
        web.add("https://ck.test/gone", status=404)
        web.add("https://ck.test/down", error="connection")
        web.add("https://ck.test/slow", latency=3.0)  # a short timeout= raises ReadTimeout
        student.download_all([...], max_workers=5)
        web.peak, web.count, web.calls_to(url), web.thread_count

Latency is a sleep on the grader's trusted clock inside the request, so requests in
flight overlap exactly as real ones would. A request's `timeout=` is honoured: a
response slower than the timeout sleeps only the timeout and raises
`requests.exceptions.ReadTimeout`. An unknown URL raises
`requests.exceptions.ConnectionError`, as an unknown host would, and the real network is never reached:
`HTTPAdapter.send` is blocked for the duration.
"""
from __future__ import annotations

import http.client
import threading
from typing import Any
from unittest import mock

import requests
import requests_mock
from requests.adapters import BaseAdapter, HTTPAdapter

from .timing import sleep
from .tracking import CallTracker

ERRORS = {
    "connection": requests.exceptions.ConnectionError,
    "timeout": requests.exceptions.ConnectTimeout,
    "ssl": requests.exceptions.SSLError,
}


def read_timeout(timeout: Any) -> float | None:
    """The read timeout of a requests `timeout=` value (number, (connect, read) or None)."""
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    try:
        return None if timeout is None else float(timeout)
    except (TypeError, ValueError):
        return None


class _Counted(BaseAdapter):
    """The adapter every session gets: counts requests in flight, then asks the mock."""

    def __init__(self, web: MockWeb) -> None:
        super().__init__()
        self.web = web

    def send(self, request, **kwargs):  # noqa: D401 - requests' adapter API
        return self.web.tracker.track(request.url, self._answer, request, **kwargs)

    def _answer(self, request, **kwargs):
        try:
            return self.web.adapter.send(request, **kwargs)
        except requests_mock.exceptions.NoMockAddress:
            # What a real unknown host gives: a requests ConnectionError.
            raise requests.exceptions.ConnectionError(
                f"Failed to resolve {request.url!r} (no such host)", request=request) from None

    def close(self) -> None:
        pass


class MockWeb:
    """Concurrent fake HTTP for everything made with `requests` (see module doc)."""

    def __init__(self) -> None:
        self.adapter = requests_mock.Adapter()
        self.tracker = CallTracker()
        self._counted = _Counted(self)
        self._patches: list[Any] = []
        self._lock = threading.Lock()
        self.timeouts_seen: list[Any] = []

    # ------------------------------------------------------------- responses
    def add(self, url: str, *, status: int = 200, body: bytes | str = b"", latency: float = 0.0,
            error: str | type[BaseException] | None = None, method: str = "GET",
            headers: dict[str, str] | None = None) -> str:
        """Serve `url`: `status` and `body` after `latency` s, or raise `error` after it
        ('connection', 'timeout', 'ssl' or an exception class). Returns the url."""
        content = body.encode() if isinstance(body, str) else body
        exc = ERRORS.get(error, error) if isinstance(error, str) else error
        if isinstance(error, str) and error not in ERRORS:
            raise ValueError(f"unknown error {error!r}: one of {sorted(ERRORS)}")

        def respond(request, context):
            limit = read_timeout(request.timeout)
            with self._lock:
                self.timeouts_seen.append(request.timeout)
            if limit is not None and latency > limit:
                sleep(limit)
                raise requests.exceptions.ReadTimeout(
                    f"HTTPConnectionPool: Read timed out. (read timeout={limit:g})",
                    request=request)
            sleep(latency)
            if exc is not None:
                raise exc(f"simulated {getattr(exc, '__name__', exc)} for {request.url}")
            context.status_code = status
            context.reason = http.client.responses.get(status, "")
            context.headers.update(headers or {"Content-Type": "application/octet-stream"})
            return content

        self.adapter.register_uri(method, url, content=respond)
        return url

    # --------------------------------------------------------------- install
    def start(self) -> MockWeb:
        counted = self._counted

        def get_adapter(session, url):
            return counted

        def no_network(adapter, request, *args, **kwargs):
            raise requests.exceptions.ConnectionError(
                f"the grader blocks real network access ({request.url}); "
                f"use requests.get() or a requests.Session")

        self._patches = [mock.patch.object(requests.Session, "get_adapter", get_adapter),
                         mock.patch.object(HTTPAdapter, "send", no_network)]
        for p in self._patches:
            p.start()
        return self

    def stop(self) -> None:
        for p in reversed(self._patches):
            p.stop()
        self._patches = []

    def __enter__(self) -> MockWeb:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------- the judge
    def serve(self, method: str, url: str, headers: dict, body: bytes, timeout) -> dict:
        """One request from the worker (ckworker/web.py), answered as
        requests made here are: through the counted adapter, its latency on the judge's
        clock. Returns the response as plain data; raises what a network would."""
        request = requests.Request(method=method, url=url, headers=headers,
                                   data=body or None).prepare()
        response = self._counted.send(request, timeout=timeout)
        return {"status": response.status_code, "reason": response.reason or "",
                "headers": {str(k): str(v) for k, v in response.headers.items()},
                "content": bytes(response.content or b"")}

    # ----------------------------------------------------------------- views
    @property
    def tracker(self) -> CallTracker:
        """The log of the requests (a test may install its own: HeldRequests)."""
        return self._tracker

    @tracker.setter
    def tracker(self, value: CallTracker) -> None:
        value.label = value.label or "requests"      # what its timeline is of
        self._tracker = value

    @property
    def peak(self) -> int:
        """Most requests in flight at once."""
        return self.tracker.peak

    @property
    def count(self) -> int:
        return self.tracker.count

    @property
    def thread_count(self) -> int:
        return self.tracker.thread_count

    @property
    def urls(self) -> list[str]:
        return self.tracker.args

    def calls_to(self, url: str) -> int:
        return sum(1 for u in self.tracker.args if u == url)

    def reset(self) -> None:
        """Forget the requests seen so far (keep the responses)."""
        self.tracker = CallTracker()
        with self._lock:
            self.timeouts_seen = []
