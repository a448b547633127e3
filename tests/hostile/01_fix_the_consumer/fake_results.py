"""Hostile: writes a fake results.json, row.json, feedback.txt and grades.csv (full marks)
everywhere it can reach, then does nothing useful: `return {}` earns only the 1 point of
the test that asks that empty input returns {} (leaving no thread behind counts only for a
call that did the work).
Scores: 1
"""
import json
import os

FAKE = {"score": 32, "tests": [], "output": "FAKE RESULTS"}
for folder in {os.getcwd(), "..", "../..", os.path.expanduser("~"), "/tmp",
               os.environ.get("TMPDIR", "/tmp"), "/autograder/results", "/work/main/grades"}:
    for name in ("results.json", "row.json", "feedback.txt", "grades.csv"):
        try:
            with open(os.path.join(folder, name), "w") as f:
                json.dump(FAKE, f)
        except OSError:
            pass


def process_all(items, handle, num_workers=3, queue_size=5):
    return {}
