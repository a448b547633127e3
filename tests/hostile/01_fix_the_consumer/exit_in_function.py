"""Hostile: sys.exit(0) inside the function.
Scores: 0
Says: SystemExit
"""
import sys


def process_all(items, handle, num_workers=3, queue_size=5):
    sys.exit(0)
