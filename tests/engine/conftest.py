"""Fixtures of the engine's tests: a worker of the judge without a jail."""
from __future__ import annotations

import textwrap

import pytest

from autograder.grading.worker import Worker, WorkerSpec


def start(tmp_path, source: str, module: str = "student", **spec):
    sub = tmp_path / "submission"
    sub.mkdir(exist_ok=True)
    (sub / f"{module}.py").write_text(textwrap.dedent(source))
    worker = Worker(WorkerSpec(submission=sub, module=module, home=tmp_path, **spec))
    report = worker.start()
    return worker, report


@pytest.fixture
def worker_of(tmp_path):
    made = []

    def make(source, **spec):
        worker, report = start(tmp_path, source, **spec)
        made.append(worker)
        return worker, report
    yield make
    for w in made:
        w.kill()


@pytest.fixture
def sigint_handled():
    """Python's own Ctrl-C handler for the test, whatever this process inherited: a
    process started in the background by a shell without job control (`cmd &` in a
    script, as a CI runner may) begins with SIGINT ignored, and then
    _thread.interrupt_main() does nothing (its documentation: a signal "not handled by
    Python")."""
    import signal
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)
