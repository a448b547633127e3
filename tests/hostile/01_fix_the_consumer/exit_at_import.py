"""Hostile: sys.exit(0) at the top of the file, to end the grading "successfully".
Scores: 0
Says: Importing consumer.py raised SystemExit
"""
import sys

sys.exit(0)
