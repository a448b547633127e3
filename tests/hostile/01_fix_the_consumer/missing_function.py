"""Hostile: the function was renamed.
Scores: 0
Says: has no function process_all()
"""


def process_everything(items, handle, num_workers=3, queue_size=5):
    return {}
