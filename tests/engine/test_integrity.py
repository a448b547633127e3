"""autograder.checks.integrity (what a submission replaced) and checks.values (values
rebuilt from exact built-in types before a test compares them)."""
from __future__ import annotations

import collections
import concurrent.futures
import threading
import time

import pytest

from autograder.checks import integrity, stacks
from autograder.checks.values import NotPlain, plain


def test_a_snapshot_sees_nothing_changed_until_something_is_replaced(monkeypatch):
    snap = integrity.Snapshot.take()
    assert snap.changed() == []
    monkeypatch.setattr(time, "perf_counter", lambda: 0.0)
    monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "submit", lambda *a: None)
    monkeypatch.setattr(threading.Thread, "start", lambda self: None)
    changed = snap.changed()
    assert {"time.perf_counter", "concurrent.futures.thread.ThreadPoolExecutor.submit",
            "threading.Thread.start"} <= set(changed), changed
    monkeypatch.undo()
    assert snap.changed() == []      # a test's own patches, undone in teardown, are fine
    # A hook Python means programs to set is not the grading's machinery.
    monkeypatch.setattr(threading, "excepthook", lambda args: None)
    assert snap.changed() == []


def test_a_snapshot_sees_pytest_and_the_engine_and_trace_functions(monkeypatch):
    import _pytest.python

    from autograder.checks import timing
    snap = integrity.Snapshot.take()
    monkeypatch.setattr(_pytest.python, "pytest_pyfunc_call", lambda *a, **k: True)
    monkeypatch.setattr(timing, "now", lambda: 0.0)
    import sys
    old = sys.gettrace()
    sys.settrace(lambda *a: None)
    try:
        changed = snap.changed()
    finally:
        sys.settrace(old)
    assert "_pytest.python.pytest_pyfunc_call" in changed and "autograder.checks.timing.now" in changed
    assert any("settrace" in c for c in changed)


def test_plain_rebuilds_built_in_values_and_accepts_the_standard_librarys_subclasses():
    value = {0: [1, (2, 3)], "k": {4}, "f": frozenset({5})}
    out = plain(value)
    assert out == value and out is not value
    assert type(plain(collections.defaultdict(list, a=[1]))) is dict
    assert type(plain(collections.OrderedDict(a=1))) is dict
    Point = collections.namedtuple("Point", "x y")
    assert plain(Point(1, 2)) == (1, 2)
    err = ValueError("x")
    assert plain({0: err})[0] is err                 # objects the tests handed in stay


def test_plain_refuses_classes_of_the_students_own(tmp_path, monkeypatch):
    student = tmp_path / "consumer.py"
    student.write_text("class AlwaysEqual(dict):\n    def __eq__(self, other):\n        return True\n"
                       "class Liar(list):\n    def __len__(self):\n        return 99\n"
                       "class Thing:\n    pass\n")
    monkeypatch.setattr(stacks, "STUDENT_ROOTS", [str(tmp_path)])
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    mod = importlib.import_module("consumer")
    try:
        for bad in (mod.AlwaysEqual(), [mod.Liar()], {1: mod.Thing()}):
            with pytest.raises(NotPlain, match="a class defined in your file"):
                plain(bad)
    finally:
        import sys
        sys.modules.pop("consumer", None)
