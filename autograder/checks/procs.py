"""The start method of the student's process pools, per test.

`start_method("spawn")` makes a start method the default in the test's worker process
for a block, so a test can show that a solution does not depend on `fork` (Python 3.14's
Linux default is `forkserver`; macOS and Windows use `spawn`). What a pool did is read by
the judge from the kernel (grading/evidence.py), never from the pool itself.
"""
from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator


@contextlib.contextmanager
def start_method(name: str) -> Iterator[None]:
    """Make `name` ('fork', 'spawn', 'forkserver') the default start method in the block:
    `ProcessPoolExecutor()` and `multiprocessing.Pool()` without a context use it in the
    test's worker process."""
    if name not in multiprocessing.get_all_start_methods():
        raise ValueError(f"start method {name!r} is not available here")
    from ..grading import current
    session = current.session()
    if session is None:
        raise RuntimeError("start_method() acts on the test's worker process: use it in a "
                           "test that asks for the `student` fixture")
    previous = session.configure(start_method=name).get("previous")
    try:
        yield
    finally:
        if previous and not session.closed:
            session.configure(start_method=previous)
