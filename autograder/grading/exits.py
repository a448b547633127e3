"""How the student's processes ended, in the kernel's words: the Linux process events
connector (netlink, NETLINK_CONNECTOR / CN_IDX_PROC; linux/cn_proc.h) reports every fork
and every exit on the machine with its exit code or signal. A worker process of the
student's pool that crashed (a signal), was killed (the memory limit), or exited with an
error code leaves no trace once its parent has reaped it; this is how the judge still
knows, whatever the student's code said or hid.

    with ExitWatch(session.pid) as watch:     # while the test runs
        ...
    watch.deaths()      [Exit(pid, code, signal)] of the processes under the session that
                        ended badly: a signal other than SIGTERM (what Pool.terminate()
                        and `with Pool()` send), or a non-zero exit code

Listening needs CAP_NET_ADMIN (the judge runs as root here) and the machine's initial
network namespace; where either is missing, `available` is False and deaths() is [] (no
evidence, never a false one).
"""
from __future__ import annotations

import dataclasses
import os
import select
import signal
import socket
import struct
import threading

NETLINK_CONNECTOR, CN_IDX_PROC, CN_VAL_PROC = 11, 1, 1
PROC_CN_MCAST_LISTEN, PROC_CN_MCAST_IGNORE = 1, 2
PROC_EVENT_FORK, PROC_EVENT_EXIT = 0x00000001, 0x80000000
_NLMSG = struct.Struct("=IHHII")          # nlmsghdr
_CN = struct.Struct("=IIIIHH")            # cn_msg: id.idx, id.val, seq, ack, len, flags
_EVENT = struct.Struct("=IIQ")            # proc_event: what, cpu, timestamp_ns
_FORK = struct.Struct("=IIII")            # parent pid, tgid, child pid, tgid
_EXIT = struct.Struct("=IIII")            # pid, tgid, exit_code (wait status), exit_signal
NLMSG_DONE = 3


@dataclasses.dataclass(frozen=True)
class Exit:
    pid: int
    code: int | None           # exit code, when it exited
    signal: int | None         # the signal that killed it, when one did

    def text(self) -> str:
        if self.signal is not None:
            name = _signal_name(self.signal)
            why = {signal.SIGKILL: " (the memory limit, or os.kill)",
                   signal.SIGSEGV: " (a crash in C code)",
                   signal.SIGABRT: " (abort())"}.get(self.signal, "")
            return f"was killed by {name}{why}"
        return f"exited with code {self.code}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class ExitWatch:
    """Exits of the processes under `root` while the block runs (see the module)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.tree = {root}
        self.exits: list[Exit] = []
        self.available = False
        self._sock: socket.socket | None = None
        self._stop_r, self._stop_w = os.pipe()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="ck-exits", daemon=True)
        self._thread._ck_internal = True      # type: ignore[attr-defined]

    def __enter__(self) -> ExitWatch:
        try:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR)
            sock.bind((0, CN_IDX_PROC))
            sock.send(_listen(PROC_CN_MCAST_LISTEN))
        except (OSError, AttributeError):     # not root, no connector, not Linux
            self._close_pipe()
            return self
        self._sock, self.available = sock, True
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self._sock is None:
            return
        os.write(self._stop_w, b"x")
        self._thread.join(timeout=2)
        try:
            self._sock.send(_listen(PROC_CN_MCAST_IGNORE))
        except OSError:
            pass
        self._sock.close()
        self._sock = None
        self._close_pipe()

    def _close_pipe(self) -> None:
        for fd in (self._stop_r, self._stop_w):
            try:
                os.close(fd)
            except OSError:
                pass

    def deaths(self) -> list[Exit]:
        with self._lock:
            return [e for e in self.exits if (e.signal is not None and e.signal != signal.SIGTERM)
                    or (e.signal is None and e.code)]

    # ------------------------------------------------------------------ reading
    def _run(self) -> None:
        assert self._sock is not None
        while True:
            ready, _, _ = select.select([self._sock, self._stop_r], [], [])
            if self._stop_r in ready:
                self._drain()
                return
            try:
                self._read()
            except OSError:         # ENOBUFS: the kernel dropped events (a busy machine);
                continue            # a death missed is no evidence, never a false one

    def _drain(self) -> None:
        """What the kernel queued before the stop: exits just before the end count."""
        assert self._sock is not None
        self._sock.setblocking(False)
        try:
            while True:
                self._read()
        except (BlockingIOError, OSError):
            pass

    def _read(self) -> None:
        assert self._sock is not None
        data = self._sock.recv(65536)
        offset = 0
        while offset + _NLMSG.size <= len(data):
            length = _NLMSG.unpack_from(data, offset)[0]
            if length < _NLMSG.size:
                return
            self._event(data, offset + _NLMSG.size + _CN.size)
            offset += (length + 3) & ~3

    def _event(self, data: bytes, at: int) -> None:
        if at + _EVENT.size + _FORK.size > len(data):
            return
        what = _EVENT.unpack_from(data, at)[0]
        body = at + _EVENT.size
        if what == PROC_EVENT_FORK:
            _, parent_tgid, child_pid, child_tgid = _FORK.unpack_from(data, body)
            if parent_tgid in self.tree and child_pid == child_tgid:    # a process, not a thread
                with self._lock:
                    self.tree.add(child_tgid)
        elif what == PROC_EVENT_EXIT:
            pid, tgid, status, _ = _EXIT.unpack_from(data, body)
            if pid == tgid and tgid in self.tree and tgid != self.root:
                killed = status & 0x7F
                with self._lock:
                    self.tree.discard(tgid)         # its pid may be reused by a stranger
                    self.exits.append(Exit(tgid, None if killed else (status >> 8) & 0xFF,
                                           killed or None))


def _listen(op: int) -> bytes:
    payload = struct.pack("=I", op)
    cn = _CN.pack(CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(payload), 0) + payload
    return _NLMSG.pack(_NLMSG.size + len(cn), NLMSG_DONE, 0, 0, os.getpid()) + cn
