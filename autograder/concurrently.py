"""Run a few gradings at once, and stop them all on Ctrl-C: the kit uses the executors
it teaches (lesson, section III).

    futures = run_all([call_a, call_b], cancel=event)

Each call runs on a thread of a ThreadPoolExecutor (a grading mostly waits on its child
processes). The calling thread keeps polling, so Ctrl-C reaches it on every Python; it
then sets `cancel` (each grading kills its process tree when it sees it), waits for the
calls to wind down, and raises KeyboardInterrupt. With `stop_on_error`, the first call
to raise sets `cancel` too: one error is the answer, the others need not finish.
"""
from __future__ import annotations

import concurrent.futures as cf
import threading
from collections.abc import Callable, Sequence

POLL = 0.1          # seconds between looks, so a signal reaches the calling thread
WIND_DOWN = 30.0    # after Ctrl-C: how long the calls get to notice `cancel`


def run_all(calls: Sequence[Callable[[], object]], *, cancel: threading.Event,
            name: str = "ck-run", stop_on_error: bool = True) -> list[cf.Future]:
    """Every call's finished future, in the order of `calls`.

    The futures exist before anything is submitted, so a Ctrl-C at any moment (even
    while the second call is being handed to the pool) finds every one of them: those
    not started yet never start, those running are waited for."""
    futures: list[cf.Future] = [cf.Future() for _ in calls]
    pool = cf.ThreadPoolExecutor(max_workers=max(1, len(calls)), thread_name_prefix=name)
    try:
        for call, future in zip(calls, futures):
            pool.submit(_settle, call, future)
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=POLL, return_when=cf.FIRST_EXCEPTION)
            if stop_on_error and any(f.exception() is not None for f in done):
                cancel.set()
    except KeyboardInterrupt:
        cancel.set()
        for future in futures:
            future.cancel()                # not started: it never will be
        cf.wait(futures, timeout=WIND_DOWN)
        pool.shutdown(wait=False)
        raise
    pool.shutdown(wait=True)
    return futures


def _settle(call: Callable[[], object], future: cf.Future) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(call())
    except BaseException as exc:        # handed to the caller's thread
        future.set_exception(exc)


def first_error(futures: Sequence[cf.Future]) -> BaseException | None:
    """The error of the first call (in call order) that raised, if any did."""
    for f in futures:
        if f.exception() is not None:
            return f.exception()
    return None
