"""The grader's own process pools for assignment 3, started the way the student's were
(autograder/checks/pools.py says why the start method matters)."""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from autograder.checks.pools import context


def per_item_pool(func, items, max_workers, method: str = "fork"):
    """The lesson's anti-pattern, as the baseline: one submit() per item, in a pool whose
    workers start with `method`."""
    with ProcessPoolExecutor(max_workers=max_workers, mp_context=context(method)) as executor:
        futures = [executor.submit(func, x) for x in items]
        return [f.result() for f in futures]
