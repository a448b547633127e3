"""Hostile: sequential, and replaces the clocks at import so that every measurement
looks ten times shorter. The grader's clocks were captured before this file ran, and
the plugin sees the replaced functions: the grading is flagged and scores 0 (it was a
broken variant, failing the speedup tests, before the integrity check existed).
Scores: 0
Says: replaced time.monotonic, time.perf_counter, time.time
Flagged: yes
"""
import time

_real_perf, _real_mono, _real_time = time.perf_counter, time.monotonic, time.time
_t0_perf, _t0_mono, _t0_time = _real_perf(), _real_mono(), _real_time()

time.perf_counter = lambda: _t0_perf + (_real_perf() - _t0_perf) / 10
time.monotonic = lambda: _t0_mono + (_real_mono() - _t0_mono) / 10
time.time = lambda: _t0_time + (_real_time() - _t0_time) / 10


def parallel_map(func, items, max_workers=None) -> list:
    """[func(x) for x in items], computed in a process pool, items sent in batches."""
    return [func(x) for x in items]
