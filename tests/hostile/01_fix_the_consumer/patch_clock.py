"""Hostile: the reference, which then stops the clocks at import (time.perf_counter and
time.monotonic return 0), so any run would look instant.
Scores: 0
Says: replaced time.monotonic, time.perf_counter
Flagged: yes
Base: reference (the reference solution comes first; this file is what follows it)
"""

import time

time.perf_counter = lambda: 0.0
time.monotonic = lambda: 0.0
