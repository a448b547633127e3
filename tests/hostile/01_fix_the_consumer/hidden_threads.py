"""Hostile: consumers left running (the broken variant leaks_threads), marked the way the
grader's own threads once were (_ck_internal, _ck_hidden, _ck_runtime) to slip past the
leak checks. The grader counts threads from /proc, where no mark shows: it earns what
leaks_threads earns.
Scores: 29
Says: still alive after your function returned
Base: broken/leaks_threads
"""
import threading


def _marked(process_all):
    def run(items, handle, num_workers=3, queue_size=5):
        before = set(threading.enumerate())
        result = process_all(items, handle, num_workers, queue_size)
        for t in set(threading.enumerate()) - before:
            t._ck_internal = t._ck_hidden = t._ck_runtime = True
        return result
    return run


process_all = _marked(process_all)
