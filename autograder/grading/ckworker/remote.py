"""The worker's side of the values that cross: proxies of the judge's test doubles, and
how the worker's values are sent back.

A double of the judge's (a `handle`, a stage, a health check, the items, the web) arrives
as a `Remote`: calling it, or pulling the next item from it, is a request to the judge,
which runs the double there (its latency, its clock, its count of calls in flight) and
sends back the value or the exception. Nothing of the double's code or state is here.
A Remote pickles as its number, so a process pool can ship it; in another process it
opens that process's own connection (link.py).

What goes back is plain data (wire.py). An object of a class the student wrote never
crosses, even one that inherits from dict or list ("$alien"): its ==, len() and iteration
could say anything. The standard library's subclasses (defaultdict, OrderedDict, a
namedtuple) go as the built-in they extend.
"""
from __future__ import annotations

import builtins
import os
import sys
import threading
import types

from . import link, wire

STUDENT = {"root": None, "modules": set()}     # set by the zygote: what is the student's
_PLAIN = (dict, list, tuple, set, frozenset, str, bytes, int, float, bool)
_CLASSES: dict[tuple, type] = {}
_CLASSES_LOCK = threading.Lock()


class Remote:
    """A test double of the judge's: call it, or iterate over it."""

    def __init__(self, ref: int, kinds, name: str = "", doc=None, chunk: int = 1) -> None:
        self._ck_ref = ref
        self._ck_kinds = frozenset(kinds)
        self._ck_chunk = chunk
        self._ck_buffer: list = []
        self._ck_done = False
        self.__name__ = self.__qualname__ = name or "func"
        self.__doc__ = doc

    def __call__(self, *args, **kwargs):
        if "call" not in self._ck_kinds:
            raise TypeError(f"'{self.__name__}' object is not callable")
        return ask({"op": "cb", "ref": self._ck_ref, "method": "call",
                    "args": encode(list(args)), "kwargs": encode(kwargs)})

    def __iter__(self):
        if "next" in self._ck_kinds:
            return self
        if "iter" not in self._ck_kinds:
            raise TypeError(f"'{self.__name__}' object is not iterable")
        return ask({"op": "cb", "ref": self._ck_ref, "method": "iter"})

    def __next__(self):
        if "next" not in self._ck_kinds:
            raise TypeError(f"'{self.__name__}' object is not an iterator")
        if not self._ck_buffer:
            if self._ck_done:
                raise StopIteration
            got = ask({"op": "cb", "ref": self._ck_ref, "method": "next",
                       "n": self._ck_chunk})
            items, done = got
            self._ck_buffer = list(items)
            self._ck_done = bool(done)
            if not self._ck_buffer:
                raise StopIteration
        return self._ck_buffer.pop(0)

    def __reduce__(self):
        return (_rebuild, (self._ck_ref, tuple(self._ck_kinds), self.__name__, self.__doc__,
                           self._ck_chunk, link.ADDRESS["path"], link.ADDRESS["token"]))

    def __repr__(self) -> str:
        return f"<{self.__name__} (the grader's)>"


def _rebuild(ref, kinds, name, doc, chunk, path, token):
    if path and not link.ADDRESS["path"]:
        link.ADDRESS.update(path=path, token=token)
    return Remote(ref, kinds, name, doc, chunk)


def ask(message: dict):
    """A request to the judge about one of its doubles; its value, or its exception raised."""
    thread = threading.current_thread()
    message["thread"] = [threading.get_ident(), thread.name[:80]]
    reply = link.current().request(message)
    if reply.get("ok"):
        return decode(reply.get("value"))
    raise _as_exception(decode(reply.get("error")))


def _as_exception(value) -> BaseException:
    return value if isinstance(value, BaseException) else RuntimeError(str(value))


# ------------------------------------------------------------------ the codec

def is_students(cls: type) -> bool:
    """A class the student's own file defines (by module, or by where its code lives)."""
    if getattr(cls, "__module__", None) in STUDENT["modules"]:
        return True
    root = STUDENT["root"]
    if not root:
        return False
    try:
        values = list(vars(cls).values())
    except TypeError:
        return False
    for value in values:
        try:
            code = getattr(getattr(value, "__func__", value), "__code__", None)
            if isinstance(code, types.CodeType) and \
                    os.path.realpath(code.co_filename).startswith(root):
                return True
        except Exception:  # noqa: BLE001 - an attribute that raises is nobody's code
            continue
    return False


class _Encoder(wire.Encoder):
    def other(self, value, depth):
        if isinstance(value, Remote):
            return {"$ref": {"id": value._ck_ref}}
        if isinstance(value, BaseException):
            return {"$e": exception_body(value)}
        spec = getattr(type(value), "_ck_workload", None)
        if spec is not None and not is_students(type(value)):
            body = value._ck_spec()
            return {"$w": {"name": body["name"], "params": self.encode(body["params"], depth + 1)}}
        base = next((b for b in _PLAIN if isinstance(value, b)), None)
        mine = [c for c in type(value).__mro__ if c not in _PLAIN and c is not object]
        if any(is_students(c) for c in mine):
            return {"$alien": {"type": type(value).__name__, "student": True,
                               "base": base.__name__ if base else None}}
        if base is not None:
            return self.encode(_as_base(value, base), depth)
        return {"$alien": {"type": type(value).__name__, "student": False,
                           "module": str(getattr(type(value), "__module__", ""))[:100],
                           "repr": _safe_repr(value)}}


def _as_base(value, base):
    if base is dict:
        return dict(dict.items(value))
    if base is list:
        return list(list.__iter__(value))
    if base is tuple:
        return tuple(tuple.__iter__(value))
    if base is set:
        return set(set.__iter__(value))
    if base is frozenset:
        return frozenset(frozenset.__iter__(value))
    return base(value)


def _safe_repr(value) -> str:
    try:
        return repr(value)[:200]
    except BaseException:  # noqa: BLE001 - a repr that raises is the student's
        return f"<{type(value).__name__} object>"


def exception_body(exc: BaseException) -> dict:
    cls = type(exc)
    try:
        message = str(exc)[:2000]
    except BaseException:  # noqa: BLE001
        message = f"<{cls.__name__} whose str() raised>"
    try:
        args = _ENCODER.encode(list(exc.args[:wire.MAX_ARGS]))
    except (wire.WireError, RecursionError, BaseException):  # noqa: BLE001
        args = None
    return {"type": cls.__name__[:100], "module": str(getattr(cls, "__module__", ""))[:100],
            "message": message, "args": args, "token": getattr(exc, "_ck_token", None),
            "student": is_students(cls), "frames": wire.frames_of(exc.__traceback__)}


class _Decoder(wire.Decoder):
    def ref(self, body):
        return Remote(int(body.get("id", -1)), body.get("kinds") or ("call",),
                      str(body.get("name") or ""), body.get("doc"), int(body.get("chunk") or 1))

    def exception(self, body, depth):
        name, module = str(body.get("type") or "Exception"), str(body.get("module") or "")
        message = str(body.get("message") or "")
        cls = exception_class(name, module)
        try:
            exc = cls(message) if message else cls()
        except Exception:  # noqa: BLE001 - a builtin that wants other arguments
            exc = exception_class(name, "ck.grader")(message)
        if body.get("token"):
            exc._ck_token = body["token"]
        return exc

    def workload(self, body):
        from . import workloads
        try:
            return workloads.build(body.get("name"), self.decode(body.get("params")))
        except (ValueError, TypeError) as exc:
            raise wire.WireError(str(exc)) from None


def exception_class(name: str, module: str) -> type:
    """The class an exception of the judge's is raised as here: the builtin of that name,
    requests' own (for the web), or a class made for the name."""
    if module == "builtins":
        cls = getattr(builtins, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls
    if module.startswith("requests") and "requests" in sys.modules:
        cls = getattr(sys.modules["requests"].exceptions, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls
    if module.startswith("ckworker"):
        from . import workloads
        cls = getattr(workloads, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls
    with _CLASSES_LOCK:
        key = (module, name)
        if key not in _CLASSES:
            safe = name if name.isidentifier() else "GraderError"
            _CLASSES[key] = type(safe, (Exception,), {"__module__": "ck.grader"})
        return _CLASSES[key]


_ENCODER = _Encoder()
_DECODER = _Decoder()


def encode(value):
    return _ENCODER.encode(value)


def decode(data):
    return _DECODER.decode(data)
