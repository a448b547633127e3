"""Notice a submission that replaces what the grading relies on.

The plugin takes a Snapshot once the tests are collected, before any student code is
imported: every function and class of the modules a verdict rests on (clocks, threads,
pools, queues, pytest, the engine itself, a few builtins) and the functions of those
classes. After each test (its fixtures torn down, so a test's own patches are undone), it
compares: whatever is no longer the very object it was, the student's code replaced.

    snap = Snapshot.take()
    ...
    snap.changed()  -> ["time.perf_counter", "_pytest.runner.call_and_report", ...]

This catches `time.perf_counter = lambda: 0`, a replaced `ThreadPoolExecutor.submit`, a
patched pytest report, a faked engine function. It runs in the process the student's code
runs in, so code written to defeat this very check could; that is why the grader also
signs the events and checks their order and timing from outside (channel.py, runner.py).
"""
from __future__ import annotations

import importlib
import sys
from types import ModuleType

# Modules a verdict rests on, imported (if not yet) before the snapshot.
MODULES = ("time", "threading", "queue", "os", "signal", "hmac", "json",
           "concurrent.futures", "concurrent.futures._base", "concurrent.futures.thread",
           "concurrent.futures.process", "multiprocessing", "multiprocessing.pool",
           "multiprocessing.context", "multiprocessing.process", "multiprocessing.queues",
           "pytest", "pluggy")
# And every loaded module under these prefixes.
PREFIXES = ("_pytest.", "pluggy.", "autograder.", "pytest_timeout")
BUILTINS = ("len", "isinstance", "issubclass", "type", "sorted", "list", "dict", "set",
            "tuple", "int", "str", "float", "bool", "sum", "min", "max", "any", "all",
            "repr", "hash", "iter", "next", "object", "super", "getattr", "setattr",
            "hasattr", "__import__", "compile", "exec", "eval", "open", "id", "range",
            "zip", "enumerate", "map", "filter", "abs", "round")
SYS = ("exit", "settrace", "setprofile", "gettrace", "getprofile", "_getframe")
# Hooks Python means programs to set: a submission may log its own thread errors.
EXEMPT = {"threading.excepthook"}


class Snapshot:
    def __init__(self) -> None:
        self.entries: list[tuple[str, object, str, object]] = []  # label, holder, attr, value
        self.modules: dict[str, ModuleType] = {}
        self.trace = (sys.gettrace(), sys.getprofile())

    @classmethod
    def take(cls) -> "Snapshot":
        snap = cls()
        for name in MODULES:
            try:
                importlib.import_module(name)
            except ImportError:  # pragma: no cover - all stdlib, pytest, pluggy
                pass
        names = set(MODULES) | {m for m in list(sys.modules)
                                if m.startswith(PREFIXES) or m in PREFIXES}
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
        """What is no longer the object it was at the snapshot, sorted."""
        out = [f"sys.modules[{name!r}]" for name, module in self.modules.items()
               if sys.modules.get(name) is not module]
        for label, holder, attr, original in self.entries:
            if vars(holder).get(attr, _MISSING) is not original:
                out.append(label)
        if (sys.gettrace(), sys.getprofile()) != self.trace:
            out.append("sys.settrace/sys.setprofile (a trace function)")
        return sorted(out)


_DUNDERS = ("__init__", "__call__", "__eq__", "__len__", "__enter__", "__exit__", "__iter__")
_MISSING = object()
