"""Hostile: a fork bomb: every process forks again, ten generations deep (up to 1024
processes, which then sleep, named "ck-hostile-bomb" so the kit's test can see that none
is left: the cap and the sleep keep the kit's own suite safe even on a machine without
limits). Inside the jail it meets the limit of 512 processes and threads.
Scores: 0
Says: processes and threads
Needs: processes
"""
import ctypes
import os
import time


def process_all(items, handle, num_workers=3, queue_size=5):
    parent = os.getpid()
    for _ in range(10):
        try:
            os.fork()
        except OSError:
            break
    if os.getpid() != parent:
        ctypes.CDLL(None).prctl(15, b"ck-hostile-bomb", 0, 0, 0)  # PR_SET_NAME
        time.sleep(600)
        os._exit(0)
    return {}
