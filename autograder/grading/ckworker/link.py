"""A worker process's connection to the judge.

Every process of the worker that talks to the judge (the test's own process, and any
pool worker that calls one of the judge's doubles) has one Link: a Unix socket to the
judge's listening socket, a hello naming the test (its token), and a reader thread that
hands each reply to the thread waiting for it. Requests from many threads share it.

The judge learns which process is speaking from the kernel (SO_PEERCRED), not from here.
"""
from __future__ import annotations

import os
import socket
import threading

from . import wire

_STATE = {"link": None, "pid": None}
_STATE_LOCK = threading.Lock()
ADDRESS = {"path": None, "token": None}     # set by the session, or by an unpickled proxy


class Gone(ConnectionError):
    """The judge ended this test (or the connection broke)."""


class Link:
    def __init__(self, path: str, token: str, role: str, handler=None) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.handler = handler          # messages that are not replies (the session's)
        self._send_lock = threading.Lock()
        self._waiting: dict[int, list] = {}
        self._lock = threading.Lock()
        self._next = 0
        self.closed = False
        self.send({"op": "hello", "token": token, "role": role})
        self.reader = threading.Thread(target=self._read, name="ck-runtime", daemon=True)
        self.reader._ck_runtime = True
        self.reader.start()

    def send(self, message: dict) -> None:
        data = wire.pack(message)
        with self._send_lock:
            try:
                self.sock.sendall(data)
            except OSError as exc:
                raise Gone(f"the grader's connection is closed ({exc})") from None

    def request(self, message: dict) -> dict:
        """Send `message` with a fresh id and wait for the judge's reply to it."""
        slot = [threading.Event(), None]
        with self._lock:
            if self.closed:
                raise Gone("the grader ended this test")
            self._next += 1
            rid = self._next
            self._waiting[rid] = slot
        message["id"] = rid
        try:
            self.send(message)
        except Gone:
            with self._lock:
                self._waiting.pop(rid, None)
            raise
        slot[0].wait()
        if slot[1] is None:
            raise Gone("the grader ended this test")
        return slot[1]

    def _read(self) -> None:
        recv = wire.recv_exact_from(self.sock)
        try:
            while True:
                message = wire.read_frame(recv)
                if message is None:
                    break
                if message.get("op") == "reply":
                    with self._lock:
                        slot = self._waiting.pop(message.get("id"), None)
                    if slot is not None:
                        slot[1] = message
                        slot[0].set()
                elif self.handler is not None:
                    self.handler(message)
        except (OSError, wire.WireError):
            pass
        finally:
            with self._lock:
                self.closed = True
                waiting, self._waiting = self._waiting, {}
            for slot in waiting.values():
                slot[0].set()
            if self.handler is not None:
                self.handler({"op": "eof"})


def current() -> Link:
    """This process's link (a fresh one in a process forked or spawned since)."""
    pid = os.getpid()
    with _STATE_LOCK:
        link = _STATE["link"]
        if link is None or _STATE["pid"] != pid or link.closed:
            if not ADDRESS["path"]:
                raise Gone("this process has no connection to the grader")
            link = Link(ADDRESS["path"], ADDRESS["token"], "extra")
            _STATE["link"], _STATE["pid"] = link, pid
        return link


def adopt(link: Link) -> None:
    """Make `link` this process's link (the session's own, opened with its handler)."""
    with _STATE_LOCK:
        _STATE["link"], _STATE["pid"] = link, os.getpid()
