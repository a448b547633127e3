"""Hostile: a memory bomb spread over two processes, started at import: each fills real
memory, 50 MB at a time, without end. Each stays under the per-process limit for a while;
together they pass what a whole grading may use (the memory cgroup), and the system stops
them there. (The kit's hostile batch grades with memory_mb = 1024 so that comes within a
second or two; the default is 4096.) Then the function returns {}, which earns 1 point
(see fake_results.py).
Scores: 1
Says: all the memory a grading may use
Needs: memory-cgroup
"""
import multiprocessing


def _grow():
    hog = []
    while True:
        hog.append(b"x" * 50_000_000)


_workers = [multiprocessing.Process(target=_grow) for _ in range(2)]
for _w in _workers:
    _w.start()
for _w in _workers:
    _w.join()


def process_all(items, handle, num_workers=3, queue_size=5):
    return {}
