"""`requests`, answered by the judge's fake web.

    install(ref)   every requests.Session (the one inside requests.get() too) sends
                   through an adapter whose every request is a call of the judge's web
                   double (number `ref`): the judge applies the latency on its own clock,
                   counts the requests in flight and answers, or raises the requests
                   exception a real network would (ConnectionError, ReadTimeout, ...).

The real network is not reachable from the worker anyway (its own network namespace);
this is how a test's URLs get answers. Only imported where a test asks for the web.
"""
from __future__ import annotations

from . import remote

_INSTALLED = {"ref": None}


def install(ref: int) -> bool:
    try:
        import requests
        from requests.adapters import BaseAdapter
        from requests.models import Response
        from requests.structures import CaseInsensitiveDict
        from requests.utils import get_encoding_from_headers
    except ImportError:
        return False
    web = remote.Remote(ref, ("call",), "web")

    class JudgeAdapter(BaseAdapter):
        def send(self, request, stream=False, timeout=None, verify=True, cert=None,
                 proxies=None):
            body = request.body
            if isinstance(body, str):
                body = body.encode("utf-8")
            elif not isinstance(body, bytes):
                body = b""
            answer = web(str(request.method or "GET"), str(request.url),
                         {str(k): str(v) for k, v in request.headers.items()}, body,
                         _plain_timeout(timeout))
            response = Response()
            response.status_code = int(answer["status"])
            response.reason = answer.get("reason") or ""
            response.headers = CaseInsensitiveDict(answer.get("headers") or {})
            response._content = answer.get("content") or b""
            response.encoding = get_encoding_from_headers(response.headers)
            response.url = request.url
            response.request = request
            response.connection = self
            return response

        def close(self):
            pass

    adapter = JudgeAdapter()
    requests.Session.get_adapter = lambda self, url: adapter
    _INSTALLED["ref"] = ref
    return True


def _plain_timeout(timeout):
    """A requests timeout as plain data: a number, (connect, read) or None."""
    if timeout is None or isinstance(timeout, (int, float)):
        return timeout
    if isinstance(timeout, tuple):
        return tuple(t if t is None or isinstance(t, (int, float)) else None for t in timeout)
    connect = getattr(timeout, "connect_timeout", None)
    read = getattr(timeout, "read_timeout", None)
    return (connect if isinstance(connect, (int, float)) else None,
            read if isinstance(read, (int, float)) else None)
