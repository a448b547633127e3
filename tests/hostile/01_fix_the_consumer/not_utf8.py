"""Hostile: a file that is not UTF-8 (Latin-1 in a string).
Scores: 0
Says: syntax error
"""
NAME = "café"


def process_all(items, handle, num_workers=3, queue_size=5):
    return {}
