"""concurrency-kit's grading engine.

The pipeline, one module per step (see README.md, "How grading works"):

    manifest    which assignments exist, their files, points and budgets
    submission  find and stage what a student handed in (file, folder, zip)
    sandbox     run the graded suite in its own process group under a hard budget,
                kill the whole process tree at the end
    plugin      the pytest plugin inside that child: markers, fixtures, timeouts,
                results written to a channel the parent reads
    checks      what graded tests use: feedback, timing, hygiene, call tracking
    scoring     expected tests + reported results -> points, with a reason for every loss
    reports     terminal text and Gradescope results.json
    cli         `python -m autograder grade|check|list`
"""
from pathlib import Path

__version__ = "0.1.0"

KIT_ROOT = Path(__file__).resolve().parent.parent
