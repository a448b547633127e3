"""Hostile: one task per item (the broken variant per_item_submit), and a thread started
at import that SIGSTOPs every other process it can see whenever its own function is not
running (the grader's baseline pools once ran as the same user, so a per-item pool could
look fast beside a stopped baseline). The grader's pools are out of the worker's sight and
reach, and the worker is stopped itself while the grader times them: it loses what
per_item_submit (21) loses, and its stopper, which stops its own pool's helpers too, also
loses it the spawn and forkserver tests.
Scores: 19
Base: broken/per_item_submit
"""
import os as _os
import signal as _signal
import threading as _threading
import time as _time

_busy = _threading.Event()
_real = parallel_map


def _stopper():
    me = _os.getpid()
    while True:
        if not _busy.is_set():
            for entry in _os.listdir("/proc"):
                if entry.isdigit() and int(entry) != me:
                    try:
                        _os.kill(int(entry), _signal.SIGSTOP)
                    except OSError:
                        pass
        _time.sleep(0.005)


_threading.Thread(target=_stopper, daemon=True).start()


def parallel_map(func, items, max_workers=None):
    _busy.set()
    try:
        return _real(func, items, max_workers)
    finally:
        _busy.clear()
