"""A loopback HTTP server for a stand-in: the app answers, the server records.

    with StandIn(app) as server:   server.url, server.seen (a list of Seen, in order)

app(seen) -> (status, headers, body) is called for every request, in its own thread;
Seen holds what arrived: method, path, query and form fields (lists, in order), the
multipart files as (filename, bytes), and the headers.
"""
from __future__ import annotations

import dataclasses
import email.parser
import email.policy
import http.server
import json
import threading
import urllib.parse


@dataclasses.dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    files: dict[str, tuple[str, bytes]]
    headers: dict[str, str]

    def field(self, name: str, default=None):
        """One form (or query) field's value: the last one sent."""
        values = self.form.get(name) or self.query.get(name)
        return values[-1] if values else default


def parse(method: str, target: str, headers, body: bytes) -> Seen:
    url = urllib.parse.urlsplit(target)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    kind = headers.get("Content-Type", "")
    form: dict[str, list[str]] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if kind.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = (part.get_filename(), data)
            else:
                form.setdefault(name, []).append(data.decode())
    elif body:
        form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
    return Seen(method, url.path, query, form, files, {k: v for k, v in headers.items()})


def answer(status: int, data, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """A JSON answer (data None: the literal null, as Moodle sends)."""
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, \
        json.dumps(data).encode()


class StandIn:
    def __init__(self, app):
        self.app = app
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):       # quiet: the test reads .seen
                pass

            def _serve(self):
                size = int(self.headers.get("Content-Length") or 0)
                seen = parse(self.command, self.path, self.headers, self.rfile.read(size))
                with stand_in.lock:
                    stand_in.seen.append(seen)
                    status, headers, body = stand_in.app(seen)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
