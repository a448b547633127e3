"""Hostile: a memory bomb spread over two processes (2.5 GB each, under the per-process
limit of 3 GB, over the 4 GB a whole grading may use).
Only the first call does it, then the function returns {} (which earns 4 points: see
fake_results.py).
Scores: 4
Says: all the memory a grading may use
Needs: memory-cgroup
"""
import multiprocessing


def _grow():
    hog = []
    for _ in range(50):
        hog.append(b"x" * 50_000_000)


_done = []


def process_all(items, handle, num_workers=3, queue_size=5):
    if _done:
        return {}
    _done.append(True)
    workers = [multiprocessing.Process(target=_grow) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {}
