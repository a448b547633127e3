"""Hostile: os._exit(0) at import: the test process vanishes with exit code 0.
Scores: 0
Says: The test process ended in the middle of this test
"""
import os

os._exit(0)
