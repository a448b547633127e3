"""Hostile: a memory bomb at import: maps 500 MB more, again and again, without end. The
per-process limit (3 GB of address space) refuses the mapping that would pass it before a
page is touched, so the verdict comes at once even on a busy machine;
memory_bomb_workers.py fills real memory, in two processes, instead.
Scores: 0
Says: may use 3 GB of memory at most
Needs: memory
"""
import mmap

hog = []
while True:
    hog.append(mmap.mmap(-1, 500_000_000))
