"""Hostile: a memory bomb at import: grows a list of 50 MB strings without end.
Scores: 0
Says: MemoryError
Needs: memory
"""
hog = []
while True:
    hog.append(b"x" * 50_000_000)
