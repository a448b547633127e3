"""Hostile: an infinite loop at import.
Scores: 0
Says: runs forever
"""
while True:
    pass
