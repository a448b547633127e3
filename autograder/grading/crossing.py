"""What crosses between the judge and the worker, seen from the judge.

Going out (arguments of a call): plain data as itself; a test double (anything callable,
an iterator, an iterable that is not plain data) as a numbered reference the worker can
call or pull from (the double stays here and runs here); an exception a double raises
as its type and text with a token, so that when the student's code hands it back, the
test gets the very object; a workload (workloads.py) as its name and parameters.

Coming back (results, exceptions): only what the decoder builds. Plain built-in values;
the judge's own objects by their number; an exception as a class of the judge's made for
its name (`RemoteError`), or the built-in of that name, or the judge's original when its
token is known; and `Alien` for what the worker would not send (an object of a class the
student wrote). Nothing the student defined is ever built here.
"""
from __future__ import annotations

import builtins
import collections.abc
import itertools
import threading
import traceback
import types
import uuid

from .ckworker import wire

ITER_CHUNK = 64      # items a plain iterator hands over per request (Items: one at a time)


class RemoteError(Exception):
    """An exception raised in the worker (by the student's code). Its class is made for
    the name the worker gave, so `type(exc).__name__` reads as the student's."""

    type_name = "Exception"
    module = ""
    frames: list = []
    students = False


_CLASSES: dict[tuple[str, str], type] = {}
_CLASSES_LOCK = threading.Lock()
_NOT_RAISED_HERE = {"SystemExit", "KeyboardInterrupt", "GeneratorExit"}


def remote_class(name: str, module: str) -> type:
    with _CLASSES_LOCK:
        key = (module, name)
        if key not in _CLASSES:
            safe = name if name.isidentifier() else "RemoteError"
            _CLASSES[key] = type(safe, (RemoteError,), {"type_name": name, "module": module,
                                                        "__module__": "ck.worker"})
        return _CLASSES[key]


class Alien:
    """A value the worker would not send back: an object of a class the student wrote,
    or of no plain type. Equal to nothing; says what it was."""

    def __init__(self, type_name: str, students: bool, text: str = "", base: str | None = None):
        self.type_name, self.students, self.text, self.base = type_name, students, text, base

    def describe(self) -> str:
        if self.students:
            what = f"an object of class {self.type_name} (a class defined in your file)"
            if self.base:
                what += (f", a subclass of {self.base}: its ==, len() or iteration may not "
                         f"mean what the built-in {self.base}'s do")
            return what
        return f"an object of class {self.type_name}, not a plain value ({self.text[:80]})"

    def __eq__(self, other):
        return False

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"<{self.describe()}>"


def aliens(value, depth: int = 0) -> list[Alien]:
    """Every Alien inside a decoded value."""
    if isinstance(value, Alien):
        return [value]
    if depth > wire.MAX_DEPTH:
        return []
    if isinstance(value, dict):
        items = list(value.keys()) + list(value.values())
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        return []
    return [a for v in items for a in aliens(v, depth + 1)]


class Caller(threading.local):
    """Who, in the worker, made the request a judge thread is serving right now."""

    pid: int | None = None          # the process (kernel: SO_PEERCRED)
    ident: int | None = None        # its thread (the worker says: advice)
    name: str = ""
    threads: int = 0                # threads that process had (kernel: /proc/PID/task)


CALLER = Caller()


def caller() -> Caller | None:
    return CALLER if CALLER.pid is not None else None


class Refs:
    """One session's table: judge objects by number, exceptions by token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.objects: dict[int, object] = {}
        self.numbers: dict[int, int] = {}        # id(obj) -> number
        self.tokens: dict[str, BaseException] = {}
        self._next = itertools.count(1)

    def number(self, obj) -> int:
        with self._lock:
            n = self.numbers.get(id(obj))
            if n is None or self.objects.get(n) is not obj:
                n = next(self._next)
                self.objects[n], self.numbers[id(obj)] = obj, n
            return n

    def token(self, exc: BaseException) -> str:
        with self._lock:
            for t, e in self.tokens.items():
                if e is exc:
                    return t
            t = uuid.uuid4().hex
            self.tokens[t] = exc
            return t

    def get(self, n: int):
        with self._lock:
            return self.objects.get(n)


def chunk_of(obj) -> int:
    """Items an iterator hands over per pull: 1 where the test counts pulls (an object
    with a `pulled` count, like checks.tracking.Items), else a chunk."""
    return 1 if hasattr(obj, "pulled") else ITER_CHUNK


def _module_of(cls: type) -> str:
    """A class's module as the worker knows it (the runtime is `ckworker` there)."""
    module = getattr(cls, "__module__", "") or ""
    return module[len("autograder.grading."):] if module.startswith("autograder.grading.") \
        else module


class Encoder(wire.Encoder):
    def __init__(self, refs: Refs) -> None:
        self.refs = refs
        self.chunks: dict[int, int] = {}     # id(iterator) -> its iterable's chunk

    def iterator_of(self, iterable) -> dict:
        """The $ref of a fresh iterator over `iterable`, pulled as `iterable` says."""
        it = iter(iterable)
        self.chunks[id(it)] = chunk_of(iterable)
        return self.encode(it)

    def other(self, value, depth):
        from .ckworker import workloads
        if isinstance(value, BaseException):
            return {"$e": {"type": type(value).__name__, "module": _module_of(type(value)),
                           "message": str(value)[:2000], "token": self.refs.token(value)}}
        if isinstance(value, workloads.Workload):
            body = value.spec()
            return {"$w": {"name": body["name"], "params": self.encode(body["params"], depth + 1)}}
        kinds = []
        if callable(value):
            kinds.append("call")
        if isinstance(value, collections.abc.Iterator):
            kinds.append("next")
        elif isinstance(value, collections.abc.Iterable):
            kinds.append("iter")
        if not kinds:
            raise wire.WireError(f"a test passed an object of type {type(value).__name__}, "
                                 f"which cannot cross to the worker")
        name = getattr(value, "__name__", None) or type(value).__name__
        doc = None
        if isinstance(value, types.FunctionType):
            doc = value.__doc__
        elif isinstance(getattr(value, "__dict__", None), dict):
            own = value.__dict__.get("__doc__")
            doc = own if isinstance(own, str) else None
        return {"$ref": {"id": self.refs.number(value), "kinds": kinds, "name": str(name)[:80],
                         "doc": doc, "chunk": self.chunks.get(id(value)) or chunk_of(value)}}


class Decoder(wire.Decoder):
    def __init__(self, refs: Refs) -> None:
        self.refs = refs

    def ref(self, body):
        obj = self.refs.get(body.get("id"))
        if obj is None:
            raise wire.WireError(f"a reference to nothing the grader sent ({body.get('id')!r})")
        return obj

    def alien(self, body):
        return Alien(str(body.get("type") or "?")[:100], bool(body.get("student")),
                     str(body.get("repr") or "")[:200],
                     str(body["base"]) if body.get("base") else None)

    def workload(self, body):
        return Alien(f"workload {body.get('name')!r}", False, "a grader's workload")

    def exception(self, body, depth):
        token = body.get("token")
        if isinstance(token, str) and token in self.refs.tokens:
            return self.refs.tokens[token]
        name = str(body.get("type") or "Exception")[:100]
        module = str(body.get("module") or "")[:100]
        message = str(body.get("message") or "")[:2000]
        args = None
        if isinstance(body.get("args"), list):
            try:
                args = self.decode(body["args"], depth + 1)
            except wire.WireError:
                args = None
        exc = _build(name, module, message, args)
        exc.ck_frames = _frames(body.get("frames"))
        exc.ck_students = bool(body.get("student"))
        exc.ck_message = message
        return exc


def _build(name: str, module: str, message: str, args) -> BaseException:
    cls = None
    if module == "builtins" and name not in _NOT_RAISED_HERE:
        found = getattr(builtins, name, None)
        if isinstance(found, type) and issubclass(found, Exception):
            cls = found
    elif module == "ckworker.workloads":
        from .ckworker import workloads
        found = getattr(workloads, name, None)
        if isinstance(found, type) and issubclass(found, Exception):
            cls = found
    if cls is None:
        cls = remote_class(name, module)
    try:
        return cls(*args) if isinstance(args, list) else cls(message)
    except Exception:  # noqa: BLE001 - arguments that class does not take
        return remote_class(name, module)(message)


def _frames(data) -> list[traceback.FrameSummary]:
    out = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, list) and len(item) == 4:
            filename, lineno, func, line = item
            out.append(traceback.FrameSummary(str(filename), int(lineno or 0), str(func),
                                              line=str(line or "")))
    return out[-40:]
