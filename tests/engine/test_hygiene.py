"""autograder.checks.hygiene: polling on the trusted clock. (Leaks: test_leaks.py.)"""
from __future__ import annotations

import threading
import time

from autograder.checks import hygiene


def test_wait_for():
    box = []
    threading.Timer(0.05, box.append, args=[1]).start()
    assert hygiene.wait_for(lambda: box, timeout=5)
    started = time.monotonic()
    assert hygiene.wait_for(lambda: False, timeout=0.1) is False
    assert time.monotonic() - started >= 0.09


def test_settled_returns_the_value_once_it_stops_changing():
    from autograder.checks.hygiene import settled
    from autograder.checks.timing import now
    values = iter([1, 2, 3, 4])
    current = [0]

    def read():
        current[0] = next(values, current[0])
        return current[0]
    start = now()
    assert settled(read, quiet=0.1, limit=2) == 4
    assert 0.1 <= now() - start < 1.0
    start = now()
    counter = iter(range(10**9))
    settled(lambda: next(counter), quiet=0.5, limit=0.3)        # never settles: the limit ends it
    assert now() - start < 0.6
