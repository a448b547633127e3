"""Hostile: prints without end in the first test (the only one that hands it a list of
20 items; the reference otherwise): more than the 64 MB a file may grow to. Only that test
fails: every test starts from a fresh process, so nothing of the flood reaches the next.
Scores: 29
Says: File too large
Base: reference (the reference solution comes first; this file is what follows it)
"""


_real = process_all


def process_all(items, handle, num_workers=3, queue_size=5):
    if isinstance(items, list) and len(items) == 20:
        while True:
            print("x" * 1_000_000)
    return _real(items, handle, num_workers, queue_size)
