"""What the student's code replaced, as the worker itself can see it.

The judge decides nothing on this module's word that it would not decide without it: a
worker can make it say "nothing changed" (it is the student's process). But when it says
something changed, that is a confession, and the judge believes it: the grading is
flagged and the tests from then on score 0, as they did when the tests ran in this very
process. Two looks, both cheap:

* a snapshot, taken before the student's module is imported, of the functions and classes
  of the modules a test's outcome runs through (clocks, threads, queues, pools, pickling,
  this runtime), compared later: whatever is no longer the very object it was;
* a scan of every module that is not the student's for functions whose code lives in the
  student's file: `_pytest.python.Function.runtest = lambda self: None` is caught though
  pytest was never loaded here before.
"""
from __future__ import annotations

import importlib
import os
import sys
from types import CodeType, FunctionType, MethodType, ModuleType

MODULES = ("time", "threading", "queue", "os", "signal", "socket", "select", "json",
           "pickle", "copyreg", "struct", "faulthandler", "traceback",
           "concurrent.futures", "concurrent.futures._base", "concurrent.futures.thread",
           "concurrent.futures.process", "multiprocessing", "multiprocessing.pool",
           "multiprocessing.context", "multiprocessing.process", "multiprocessing.queues",
           "multiprocessing.connection", "multiprocessing.reduction")
PREFIXES = ("ckworker",)
BUILTINS = ("len", "isinstance", "issubclass", "type", "sorted", "list", "dict", "set",
            "tuple", "int", "str", "float", "bool", "sum", "min", "max", "repr", "hash",
            "iter", "next", "object", "super", "getattr", "setattr", "hasattr",
            "__import__", "open", "id", "range", "print")
SYS = ("exit", "settrace", "setprofile", "_getframe", "_current_frames")
EXEMPT = {"threading.excepthook"}      # Python means programs to set this one
_DUNDERS = ("__init__", "__call__", "__eq__", "__len__", "__enter__", "__exit__",
            "__iter__", "__reduce__")
_MISSING = object()


class Snapshot:
    def __init__(self) -> None:
        self.entries: list = []
        self.modules: dict[str, ModuleType] = {}

    @classmethod
    def take(cls) -> Snapshot:
        snap = cls()
        for name in MODULES:
            try:
                importlib.import_module(name)
            except ImportError:  # pragma: no cover - all standard library
                pass
        names = set(MODULES) | {m for m in list(sys.modules) if m.startswith(PREFIXES)}
        for name in sorted(names):
            module = sys.modules.get(name)
            if isinstance(module, ModuleType):
                snap.modules[name] = module
                snap._module(name, module)
        import builtins
        for name in BUILTINS:
            snap.entries.append((f"builtins.{name}", builtins, name, getattr(builtins, name)))
        for name in SYS:
            if hasattr(sys, name):
                snap.entries.append((f"sys.{name}", sys, name, getattr(sys, name)))
        return snap

    def _module(self, name: str, module: ModuleType) -> None:
        for attr, value in list(vars(module).items()):
            if attr.startswith("__") or not callable(value) or f"{name}.{attr}" in EXEMPT:
                continue
            self.entries.append((f"{name}.{attr}", module, attr, value))
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                for meth, fn in list(vars(value).items()):
                    if meth.startswith("__") and meth not in _DUNDERS:
                        continue
                    if callable(fn) or isinstance(fn, (staticmethod, classmethod, property)):
                        self.entries.append((f"{name}.{attr}.{meth}", value, meth, fn))

    def changed(self) -> list[str]:
        out = [f"sys.modules[{name!r}]" for name, module in self.modules.items()
               if sys.modules.get(name) is not module]
        for label, holder, attr, original in self.entries:
            if vars(holder).get(attr, _MISSING) is not original:
                out.append(label)
        return sorted(set(out))


def planted(root: str, own: set[str], limit: int = 20) -> list[str]:
    """Attributes of modules that are not the student's whose code is in the student's
    files (under `root`): functions planted into a library. Plain string prefixes of the
    code's file name (the import used the submission's path as given, or its real path):
    this runs at the end of every test."""
    if not root:
        return []
    roots = tuple({root, os.path.realpath(root).rstrip(os.sep) + os.sep})
    out: list[str] = []
    for name, attrs in _libraries(own, roots):
        for attr, value in attrs:
            out.extend(_planted_at(name, attr, value, roots))
            if len(out) >= limit:
                return out
    return out


def _libraries(own: set[str], roots: tuple[str, ...]):
    """(name, its attributes) of every loaded module that is not the student's."""
    for name, module in list(sys.modules.items()):
        if name in own or name == "__main__" or type(module) is not ModuleType:
            continue
        where = getattr(module, "__file__", None) or ""
        if isinstance(where, str) and where.startswith(roots):
            continue
        try:
            attrs = list(module.__dict__.items())
        except (AttributeError, TypeError):
            continue
        yield name, attrs


def _planted_at(name: str, attr: str, value, roots: tuple[str, ...]) -> list[str]:
    """`name.attr` if it is the student's code, or its methods that are (a class of
    that module)."""
    if _theirs(value, roots):
        return [f"{name}.{attr}"]
    if isinstance(value, type) and value.__dict__.get("__module__") == name:
        return [f"{name}.{attr}.{meth}" for meth, fn in list(value.__dict__.items())
                if _theirs(fn, roots)]
    return []


def _theirs(value, roots: tuple[str, ...]) -> bool:
    """A function (or method, or property) whose code is in a file under `roots`."""
    kind = type(value)
    if kind is FunctionType:
        code = value.__code__
    elif kind in (staticmethod, classmethod, MethodType):
        code = getattr(value.__func__, "__code__", None)
    elif kind is property:
        code = getattr(value.fget, "__code__", None)
    else:
        return False
    return isinstance(code, CodeType) and code.co_filename.startswith(roots)
