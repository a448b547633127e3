"""concurrency-kit: an autograder that teaches Python concurrency and grades it for real.

The package itself is the grading core; the student's loop and the instructor's tools
are rooms of their own (README.md, "How grading works"; CONTRIBUTING.md, "The house"):

    paths, manifest   where everything is; which assignments exist and what each is
    submission, files find and stage what a student handed in (one safe-unzip, one junk rule)
    runner            grade(): stage -> collect -> judge + jailed worker -> audit -> score
    jail, sandbox     the worker's cell; the judge's child under a hard budget
    capabilities      what this machine lets a jail do, probed once per process
    proctree          the grader's own process trees: descendants, orphans, killing
    plugin            the judge's pytest plugin: markers, fixtures, timeouts, results
    grading           the judge/worker boundary: the worker in the jail imports the student's
                      module and calls it; the judge's tests reach it by plain data only
    channel           the judge's signed events and the parent's audit of the protocol
    checks            what graded tests use: feedback, timing, hygiene, call tracking, fake web
    scoring, reports  expected tests + believed results -> points; text and results.json
    console, shards   grading at the terminal (check and grade); a check split in two
    concurrently      gradings at once, all stopped by one Ctrl-C
    terminal          colour, width, wrapping, the redrawn status line
    cli               `python -m autograder`: list, sandbox, and each room's commands

    student/          check, watch, hint, status, reset (never imports instructor/)
    instructor/       grade, batch, lms, exports, gradescope, nbgrader, compare, release,
                      dev check (left out of the student release whole)
"""
from pathlib import Path

__version__ = "0.1.0"

KIT_ROOT = Path(__file__).resolve().parent.parent
