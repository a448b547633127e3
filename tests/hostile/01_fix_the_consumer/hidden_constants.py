"""Hostile: the reference, which looks for the hidden tests' code (their constants, in
sys.modules, in the garbage collector, in every code object it can reach) and, given
empty input, raises with what it found, so that the visible test's message would carry
the hidden tests' inputs. The hidden tests never run where the student's code runs.
Scores: 31
Says: FOUND NOTHING
Base: reference
"""
import gc as _gc
import sys as _sys

_real = process_all


def _hidden_constants():
    found = []
    for name, module in list(_sys.modules.items()):
        if "hidden" in name or "test_" in name:
            found.append(name)
    for obj in _gc.get_objects():
        if type(obj).__name__ == "code" and "hidden" in getattr(obj, "co_filename", ""):
            found.append(repr(obj.co_consts)[:200])
    return found


def process_all(items, handle, num_workers=3, queue_size=5):
    if isinstance(items, list) and not items:
        found = _hidden_constants()
        raise RuntimeError("FOUND " + ("\n".join(found) if found else "NOTHING"))
    return _real(items, handle, num_workers, queue_size)
