"""Hostile: one task per item (the broken variant per_item_submit), and a thread started
at import (in the test's process, not in its pool's) that SIGSTOPs every process it can
see but its own and its descendants whenever its function is not running: the grader's
baseline pools once ran as the same user, so a per-item pool could look fast beside a
stopped baseline. The grader's pools are out of the worker's sight and reach, and the
worker is stopped itself while the grader times them: it earns what per_item_submit earns.
Scores: 21
Base: broken/per_item_submit
"""
import multiprocessing as _mp
import os as _os
import signal as _signal
import threading as _threading
import time as _time

_busy = _threading.Event()
_real = parallel_map


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _mine(pid, me):
    while pid > 1:
        if pid == me:
            return True
        pid = _parent(pid)
    return False


def _stopper():
    me = _os.getpid()
    while True:
        if not _busy.is_set():
            for entry in _os.listdir("/proc"):
                if entry.isdigit() and not _mine(int(entry), me):
                    try:
                        _os.kill(int(entry), _signal.SIGSTOP)
                    except OSError:
                        pass
        _time.sleep(0.005)


if _mp.parent_process() is None:            # not in a pool's process (spawn imports this)
    _threading.Thread(target=_stopper, daemon=True).start()


def parallel_map(func, items, max_workers=None):
    _busy.set()
    try:
        return _real(func, items, max_workers)
    finally:
        _busy.clear()
