"""Hostile: the sequential downloader (the broken variant sequential), whose fetch_url_info
sleeps an extra 0.3 s whenever it is called from a plain loop of the grader's (the speedup
test's baseline once called the student's own function), so that its own loop looks fast
beside it. The baseline is the grader's code now, run in the grader's process: it earns
what the sequential downloader earns.
Scores: 21
Base: broken/sequential
"""
import sys as _sys
import time as _time

_real_fetch = fetch_url_info


def fetch_url_info(url, timeout=5.0):
    frame = _sys._getframe(1)
    if frame.f_code.co_name in ("<listcomp>", "<lambda>", "sequential") and \
            "test" in frame.f_code.co_filename:
        _time.sleep(0.3)
    return _real_fetch(url, timeout)
