"""Hostile: the reference, plus a daemon (double fork, setsid) started at import that
would sleep for an hour; it must be gone when the grading ends.
Scores: 32
Base: reference (the reference solution comes first; this file is what follows it)
"""


def _daemon():
    import os
    import sys
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c",
                                      "import time; time.sleep(3600)", "ck-hostile-daemon"])
        os._exit(0)


_daemon()
