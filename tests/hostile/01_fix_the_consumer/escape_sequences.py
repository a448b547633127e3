"""Hostile: writes terminal escape sequences where the grader shows its words: an
exception whose text clears the screen, prints a fake "Total: 32/32" and turns the rest
invisible (concealed), the same printed to stdout, and a right-to-left override. Every
one reaches the feedback as a visible escape ("\\x1b[2J"), never as the sequence itself.
An empty input returns {} (1 point); everything else raises.
Scores: 1
Says: \\x1b[2J
"""
import sys

FAKE = "\x1b[2J\x1b[H\x1b[32mTotal: 32/32\x1b[0m\x1b[8m the rest is hidden \x1b[0m\u202e"


def process_all(items, handle, num_workers=3, queue_size=5):
    print(FAKE)
    sys.stderr.write(FAKE + "\r\n")
    items = list(items)
    if not items:
        return {}
    raise RuntimeError(FAKE)
