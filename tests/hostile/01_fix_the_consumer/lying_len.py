"""Hostile: returns a dict that claims to hold every index and the right length.
Scores: 0
Says: a class defined in your file
"""


class Liar(dict):
    def __len__(self):
        return 20

    def __contains__(self, key):
        return True

    def __getitem__(self, key):
        return key * 10


def process_all(items, handle, num_workers=3, queue_size=5):
    return Liar()
