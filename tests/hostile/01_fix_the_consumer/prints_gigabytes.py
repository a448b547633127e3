"""Hostile: prints without end in the first test (the reference otherwise): more than the
64 MB a file may grow to.
Scores: 29
Says: File too large
Base: reference (the reference solution comes first; this file is what follows it)
"""


_real = process_all
_flooded = []


def process_all(items, handle, num_workers=3, queue_size=5):
    if not _flooded:
        _flooded.append(True)
        while True:
            print("x" * 1_000_000)
    return _real(items, handle, num_workers, queue_size)
