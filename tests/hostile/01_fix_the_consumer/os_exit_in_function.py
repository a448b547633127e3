"""Hostile: os._exit(0) inside the function, in every test.
Scores: 0
Says: The test process ended in the middle of this test
"""
import os


def process_all(items, handle, num_workers=3, queue_size=5):
    os._exit(0)
