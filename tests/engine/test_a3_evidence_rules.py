"""Assignment 3's rules on the kernel's CPU counts (batching_support.py): who computed
the items is read from the split of the student's own process tree, so a core that ran
at half speed while the grader priced the work does not fail a pool that did it all (a
CI run: workers 0.07 s, caller 0.01 s, the grader's price 0.15 s), and a plain loop
still fails however fast its core was."""
from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

TESTS = Path(__file__).resolve().parents[2] / "assignments" / "03_batch_the_tiny_tasks" / "tests"


@pytest.fixture(scope="module")
def support():
    sys.path.insert(0, str(TESTS))
    try:
        import batching_support
        yield batching_support
    finally:
        sys.path.remove(str(TESTS))


def cpu(children: float, caller: float, writes: int = 20):
    return SimpleNamespace(children=children, caller=caller, writes=writes)


@pytest.mark.parametrize("children, caller, work, verdict", [
    (0.15, 0.01, 0.15, True),      # a pool, both cores alike
    (0.07, 0.01, 0.15, True),      # a pool on the fast core, priced on the slow one
    (0.30, 0.02, 0.15, True),      # spawn workers: their start-up counts too
    (0.005, 0.15, 0.15, False),    # a plain loop beside an idle fork pool
    (0.005, 0.07, 0.15, False),    # a plain loop on the fast core
    (0.0, 0.0, 0.15, False),       # nothing counted at all
    (0.05, 0.10, 0.15, False),     # a third in the workers, the rest in the caller
])
def test_in_workers_reads_the_trees_own_split(support, children, caller, work, verdict):
    assert support.in_workers(cpu(children, caller), work) is verdict
