"""Hostile: the reference, with threading.Thread.start replaced at import (to hide threads
from the leak checks, say).
Scores: 0
Says: threading.Thread.start
Flagged: yes
Base: reference (the reference solution comes first; this file is what follows it)
"""

import threading

_start = threading.Thread.start


def _quiet_start(self):
    self.daemon = True
    _start(self)


threading.Thread.start = _quiet_start
