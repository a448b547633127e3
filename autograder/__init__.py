"""concurrency-kit's grading engine.

The pipeline, one module per step (see README.md, "How grading works"):

    manifest    which assignments exist, their files, points and budgets
    submission  find and stage what a student handed in (file, folder, zip)
    jail        confine the worker: its own user, limits, cgroups, and bubblewrap's
                namespaces (no network, own PIDs, a file system without the kit)
    sandbox     run the graded suite (the judge) in its own process group under a hard
                budget, kill the whole process tree at the end
    plugin      the pytest plugin of the judge: markers, fixtures, timeouts, results
                written to a channel the parent reads
    grading     the judge/worker boundary: the worker in the jail imports the student's
                module and calls it; the judge's tests reach it by plain data only
    channel     that channel: signing, verifying, and the parent's audit of the protocol
    checks      what graded tests use: feedback, timing, hygiene, call tracking, fake web
    scoring     expected tests + believed results -> points, with a reason for every loss
    reports     terminal text and Gradescope results.json
    cli         `python -m autograder grade|check|list|...`

The student's loop beside it: student (check's footer, hint, status, reset), watch,
hints, progress; and release (what students get).
"""
from pathlib import Path

__version__ = "0.1.0"

KIT_ROOT = Path(__file__).resolve().parent.parent
