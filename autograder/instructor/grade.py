"""`make grade ASSIGNMENT=N [SUBMISSION=path]`: every test of one submission, visible and
hidden, as the instructor grades it (`batch` grades a whole LMS download)."""
from __future__ import annotations

import argparse

from .. import console


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder grade",
                                description="run every graded test (visible and hidden)")
    console.add_options(p)
    return console.run(p.parse_args(argv), "all")
