"""Hostile: returns a dict that is equal to everything.
Scores: 0
Says: a class defined in your file
"""


class AlwaysEqual(dict):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def process_all(items, handle, num_workers=3, queue_size=5):
    return AlwaysEqual()
