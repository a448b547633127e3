"""Hostile: the reference, and at import a forked child that takes every lock it can on
every descriptor it inherited (the machine lock once came to the test process this way)
and holds them for ten minutes, to stall every grading on the machine. The worker holds
no lock descriptor, and the child dies with its test: the batch goes on.
Scores: 32
Base: reference
"""


def _hold():
    import fcntl
    import os
    import time
    if os.fork() == 0:
        for fd in range(3, 256):
            for how in (fcntl.LOCK_EX | fcntl.LOCK_NB,):
                try:
                    fcntl.flock(fd, how)
                except OSError:
                    pass
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    pass
        time.sleep(600)
        os._exit(0)


_hold()
