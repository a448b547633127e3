"""Hostile: returns a dict that equals everything, whose class claims to come from the
standard library (__module__ = "collections") so that a check by module name takes it for
defaultdict's kin. Its code is in the student's file: it never crosses to the grader.
Scores: 0
Says: a class defined in your file
"""


class Result(dict):
    __module__ = "collections"

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __len__(self):
        return 20


def process_all(items, handle, num_workers=3, queue_size=5):
    return Result()
