"""One connection between the judge and a process of the worker, seen from the judge.

A reader thread takes the worker's frames: answers to the judge's requests go to the
thread waiting for them; everything else (a double called, the next item asked for,
"ready", "imported") goes to the owner's handler. Who is at the other end comes from the
kernel (SO_PEERCRED), never from what the worker says.

A frame that is not the runtime's protocol (garbage written to the socket, a frame too
long) ends the connection and is kept as `garbled`: the runtime never writes one, so
the judge takes it as tampering.
"""
from __future__ import annotations

import fcntl
import os
import socket
import struct
import termios
import threading

from . import procfs, rest
from .ckworker import wire


class Closed(Exception):
    """The worker's end is gone."""


def peer_pid(sock: socket.socket) -> int | None:
    try:
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return struct.unpack("3i", creds)[0]
    except (OSError, AttributeError):
        return None


class Connection:
    def __init__(self, sock: socket.socket, pid: int | None) -> None:
        self.sock = sock
        self.pid = pid
        self.role = ""
        self.handler = None            # handler(connection, message), set by the owner
        self.garbled: str | None = None
        self.closed = threading.Event()
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._waiting: dict[int, list] = {}
        self._next = 0
        self._reader: threading.Thread | None = None
        self.frames = 0                # frames read and handed on, so far

    def start(self, first: dict | None = None) -> None:
        if first is not None:
            self._dispatch(first)
        self._reader = threading.Thread(target=self._read, name="ck-judge-conn", daemon=True)
        self._reader.start()

    def hello(self, timeout: float = 5.0) -> dict | None:
        """The worker's first frame, read before the reader thread starts."""
        self.sock.settimeout(timeout)
        try:
            message = wire.read_frame(wire.recv_exact_from(self.sock))
        except (OSError, wire.WireError) as exc:
            self.garbled = f"a first frame that is not a hello ({exc})"
            return None
        finally:
            self.sock.settimeout(None)
        return message if message and message.get("op") == "hello" else None

    def send(self, message: dict) -> None:
        data = wire.pack(message)
        with self._send_lock:
            try:
                self.sock.sendall(data)
            except OSError as exc:
                raise Closed(str(exc)) from None

    def request(self, message: dict, timeout: float | None = None) -> dict | None:
        """Send `message` and wait for its answer: the answer, or None after `timeout` s.
        Raises Closed when the worker's end goes away first."""
        slot = [threading.Event(), None]
        with self._lock:
            if self.closed.is_set():
                raise Closed("the connection is closed")
            self._next += 1
            rid = self._next
            self._waiting[rid] = slot
        message["id"] = rid
        self.send(message)
        if not slot[0].wait(timeout):
            with self._lock:
                self._waiting.pop(rid, None)
            return None
        if slot[1] is None:
            raise Closed("the worker's process ended")
        return slot[1]

    def drained(self) -> bool:
        """Has every frame the worker sent been read and handed on? The reader thread is
        blocked in a read (the kernel's word, /proc/self/task) with nothing unread in the
        socket: a frame in between (read, not yet dispatched) shows as a reader at work."""
        reader = self._reader
        if reader is None or not reader.is_alive() or reader.native_id is None:
            return self.closed.is_set()
        try:
            unread = struct.unpack("i", fcntl.ioctl(self.sock.fileno(), termios.FIONREAD,
                                                    b"\0\0\0\0"))[0]
        except OSError:
            return False
        task = (os.getpid(), reader.native_id)
        return (unread == 0 and rest.reading(procfs.task_file(*task, "syscall"))
                and procfs.task_state(*task) == "S")

    def _read(self) -> None:
        recv = wire.recv_exact_from(self.sock)
        try:
            while True:
                message = wire.read_frame(recv)
                if message is None:
                    break
                self._dispatch(message)
        except wire.WireError as exc:
            self.garbled = str(exc)
        except OSError:
            pass
        finally:
            self.close()

    def _dispatch(self, message: dict) -> None:
        self.frames += 1
        if message.get("op") == "answer":
            with self._lock:
                slot = self._waiting.pop(message.get("id"), None)
            if slot is not None:
                slot[1] = message
                slot[0].set()
        elif self.handler is not None:
            self.handler(self, message)

    def close(self) -> None:
        with self._lock:
            already = self.closed.is_set()
            self.closed.set()
            waiting, self._waiting = self._waiting, {}
        for slot in waiting.values():
            slot[0].set()
        if not already:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            if self.handler is not None:
                self.handler(self, {"op": "closed"})
