"""Hostile: a syntax error.
Scores: 0
Says: syntax error at line 6
"""

def process_all(items, handle, num_workers=3, queue_size=5:
    return {}
