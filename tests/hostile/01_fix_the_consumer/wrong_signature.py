"""Hostile: the wrong signature (no handle, no sizes).
Scores: 0
Says: TypeError
"""


def process_all(items):
    return {i: item for i, item in enumerate(items)}
