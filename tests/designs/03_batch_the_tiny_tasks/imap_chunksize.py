"""multiprocessing.Pool.imap with a chunksize: results arrive lazily but in order; the
pool is closed and joined after the last one, and terminated if func raised.
Scores: 34
"""
import multiprocessing
import os


def parallel_map(func, items, max_workers=None) -> list:
    workers = max_workers or len(os.sched_getaffinity(0))
    if workers < 1:
        raise ValueError("max_workers must be at least 1")
    items = list(items)
    if not items:
        return []
    pool = multiprocessing.Pool(min(workers, len(items)))
    try:
        out = list(pool.imap(func, items, chunksize=max(1, len(items) // (4 * workers))))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return out
