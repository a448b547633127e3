"""A plain loop that, when imported, replaces time.perf_counter, time.monotonic and
time.time with clocks running 10x slow, so anything timed with them looks 10x faster.
The grader's clock was captured before the submission was imported: no speedup points.

Fails: test_heavy_items_run_in_several_processes, test_heavy_items_speedup
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
