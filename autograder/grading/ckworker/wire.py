"""Frames and values between the judge and the worker. Standard library only; the judge
imports this very module, so both sides speak one format.

A frame is 4 bytes of length (big-endian) and that many bytes of UTF-8 JSON: one message,
a JSON object with an "op". Values inside messages are plain data, tagged where JSON has
no type of its own:

    None, bool, int, float, str        as themselves (NaN and infinities: {"$f": "nan"})
    list                               [ ... ]
    {"$t": [...]}  tuple               {"$d": [[k, v], ...]}  dict (any keys)
    {"$s": [...]}  set                 {"$fs": [...]}  frozenset
    {"$b": "<base64>"}  bytes          {"$i": "<hex>"}  an int too long for JSON's digits
    {"$r": [start, stop, step]}  range
    {"$e": {...}}  an exception: type, module, args, message, frames, token
    {"$ref": {...}} an object of the judge's (a test double), by number
    {"$w": {...}}  a workload of the worker runtime (workloads.py), by name and parameters
    {"$alien": {...}} a value the worker would not send: an object of a class the student
                   wrote (its ==, len() and iteration could lie), or of no plain type

Nothing is ever unpickled or evaluated: a decoder builds built-in values, and whatever its
side chooses for $e, $ref, $w and $alien (hooks of Decoder).
"""
from __future__ import annotations

import base64
import json
import math
import struct

MAX_FRAME = 32 << 20         # bytes of one message; more is garbage (the judge's limit)
MAX_DEPTH = 60               # nesting of one value
MAX_ARGS = 16                # exception args sent
LONG_INT = 10 ** 1000        # past this an int travels as hex (JSON's digit limit)


class WireError(Exception):
    """A frame or a value that is not this format (a garbled or hostile peer)."""


# ------------------------------------------------------------------- frames

def pack(message: dict) -> bytes:
    body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(body) > MAX_FRAME:
        raise WireError(f"a message of {len(body) >> 20} MB (at most {MAX_FRAME >> 20} MB)")
    return struct.pack(">I", len(body)) + body


def read_frame(recv_exact) -> dict | None:
    """The next message, from `recv_exact(n)` (which returns b"" at EOF); None at EOF."""
    head = recv_exact(4)
    if not head:
        return None
    if len(head) < 4:
        raise WireError("the connection ended in the middle of a frame")
    (size,) = struct.unpack(">I", head)
    if size > MAX_FRAME:
        raise WireError(f"a frame of {size} bytes announced (at most {MAX_FRAME})")
    body = recv_exact(size) if size else b""
    if len(body) < size:
        raise WireError("the connection ended in the middle of a frame")
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"a frame that is not JSON: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise WireError("a frame that is not a message (no 'op')")
    return message


def recv_exact_from(sock):
    """recv_exact(n) for a socket: n bytes, or fewer at EOF."""
    def recv_exact(n: int) -> bytes:
        chunks, got = [], 0
        while got < n:
            chunk = sock.recv(min(n - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)
    return recv_exact


# ------------------------------------------------------------------- values

_SCALARS = (type(None), bool, int, float, str)


class Encoder:
    """Plain data to JSON-able structures. `other(value)` handles what is not plain
    (each side's own: proxies, exceptions, aliens); by default it refuses."""

    def encode(self, value, depth: int = 0):
        t = type(value)
        if t is int:
            return value if -LONG_INT < value < LONG_INT else {"$i": hex(value)}
        if t in _SCALARS:
            if t is float and not math.isfinite(value):
                return {"$f": repr(value)}
            return value
        if depth > MAX_DEPTH:
            raise WireError(f"a value nested more than {MAX_DEPTH} levels deep")
        if t is list:
            return [self.encode(v, depth + 1) for v in value]
        if t is tuple:
            return {"$t": [self.encode(v, depth + 1) for v in value]}
        if t is dict:
            return {"$d": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                           for k, v in value.items()]}
        if t is set:
            return {"$s": [self.encode(v, depth + 1) for v in value]}
        if t is frozenset:
            return {"$fs": [self.encode(v, depth + 1) for v in value]}
        if t is bytes:
            return {"$b": base64.b64encode(value).decode("ascii")}
        if t is range:
            return {"$r": [value.start, value.stop, value.step]}
        return self.other(value, depth)

    def other(self, value, depth: int):
        raise WireError(f"cannot send an object of type {type(value).__name__}")


class Decoder:
    """JSON structures back to plain data; the hooks build what each side allows for
    exceptions ($e), the judge's objects ($ref), workloads ($w) and refused values."""

    def decode(self, data, depth: int = 0):
        t = type(data)
        if t in _SCALARS:
            return data
        if depth > MAX_DEPTH:
            raise WireError(f"a value nested more than {MAX_DEPTH} levels deep")
        if t is list:
            return [self.decode(v, depth + 1) for v in data]
        if t is not dict or len(data) != 1:
            raise WireError("a value that is not in the wire format")
        (tag, body), = data.items()
        build = _TAGS.get(tag)
        if build is None:
            raise WireError(f"an unknown tag {tag!r}")
        return build(self, body, depth)

    # tagged values ------------------------------------------------------
    def _as_tuple(self, body, depth):
        return tuple(self.decode(v, depth + 1) for v in _list(body))

    def _as_dict(self, body, depth):
        out = {}
        for pair in _list(body):
            if type(pair) is not list or len(pair) != 2:
                raise WireError("a dict entry that is not a [key, value] pair")
            out[self._key(pair[0], depth)] = self.decode(pair[1], depth + 1)
        return out

    def _as_set(self, body, depth):
        return {self._key(v, depth) for v in _list(body)}

    def _as_frozenset(self, body, depth):
        return frozenset(self._key(v, depth) for v in _list(body))

    def _as_bytes(self, body, depth):
        try:
            return base64.b64decode(_str(body), validate=True)
        except ValueError:
            raise WireError("bytes that are not base64") from None

    def _as_long_int(self, body, depth):
        try:
            return int(_str(body), 16)
        except ValueError:
            raise WireError("a long int that is not hex") from None

    def _as_float(self, body, depth):
        if body not in ("nan", "inf", "-inf"):
            raise WireError("a special float that is not nan or inf")
        return float(body)

    def _as_range(self, body, depth):
        parts = _list(body)
        if len(parts) != 3 or not all(type(p) is int for p in parts) or parts[2] == 0:
            raise WireError("a range that is not three ints")
        return range(*parts)

    def _key(self, data, depth):
        key = self.decode(data, depth + 1)
        try:
            hash(key)
        except TypeError:
            raise WireError("an unhashable dict key or set member") from None
        return key

    # hooks -----------------------------------------------------------
    def exception(self, body: dict, depth: int):
        raise WireError("an exception where none is allowed")

    def ref(self, body: dict):
        raise WireError("a reference where none is allowed")

    def workload(self, body: dict):
        raise WireError("a workload where none is allowed")

    def alien(self, body: dict):
        raise WireError("a refused value where none is allowed")


_TAGS = {
    "$t": Decoder._as_tuple, "$d": Decoder._as_dict, "$s": Decoder._as_set, "$fs": Decoder._as_frozenset,
    "$b": Decoder._as_bytes, "$i": Decoder._as_long_int, "$f": Decoder._as_float, "$r": Decoder._as_range,
    # what each side allows for these: the hooks
    "$e": lambda self, body, depth: self.exception(_dict(body), depth),
    "$ref": lambda self, body, depth: self.ref(_dict(body)),
    "$w": lambda self, body, depth: self.workload(_dict(body)),
    "$alien": lambda self, body, depth: self.alien(_dict(body)),
}


def _list(body) -> list:
    if type(body) is not list:
        raise WireError("a tagged value whose body is not a list")
    return body


def _dict(body) -> dict:
    if type(body) is not dict:
        raise WireError("a tagged value whose body is not an object")
    return body


def _str(body) -> str:
    if type(body) is not str:
        raise WireError("a tagged value whose body is not a string")
    return body


def frames_of(tb, limit: int = 40) -> list:
    """[[filename, lineno, function, line], ...] of a traceback (innermost last)."""
    import traceback
    out = []
    for fs in traceback.extract_tb(tb)[-limit:]:
        out.append([fs.filename, fs.lineno or 0, fs.name, (fs.line or "").strip()[:300]])
    return out


def frames_of_stack(frame, limit: int = 40) -> list:
    import traceback
    out = []
    for fs in traceback.extract_stack(frame)[-limit:]:
        out.append([fs.filename, fs.lineno or 0, fs.name, (fs.line or "").strip()[:300]])
    return out
