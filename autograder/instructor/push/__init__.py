"""Grades and feedback from a batch's output folder into the LMS, through its API.

    python -m autograder push canvas OUTDIR --url URL --course C --assignment A
    python -m autograder push moodle OUTDIR --url URL --assignment ID
        [--dry-run] [--include-errors] [--backoff SECONDS] [--late POLICY]

The token comes from the environment only (CANVAS_TOKEN, MOODLE_TOKEN): never from the
command line (it would sit in the shell's history and in `ps`), never in a file the kit
writes. The pipeline:

    outbox.read       OUTDIR/<student>/row.json and feedback.txt -> one Parcel each
    <target>.connect  the token checked, the assignment found (its points, its name), and
                      with a late policy each student's lateness, in the LMS's own words
    deliver.push      each parcel planned, skipped when the ledger says it was sent,
                      sent with back-off under the LMS's rate limit, recorded
    ledger            OUTDIR/push-ledger.jsonl: what went where, for the next run
    scored.py         a grade's way to the LMS: the late policy, then the LMS's points

    canvas.py   Canvas via canvasapi: posted_grade + a comment, feedback.txt attached
    moodle.py   Moodle's web services: mod_assign_save_grade with the feedback comment
                and feedback.txt as a feedback file, the grade read back

Exit status: 0 when every student was sent or was already there; 1 when some were
rejected or could not be sent (each is listed with the reason); 2 when the push could
not start (no token, a refused token, no such course or assignment); 130 on Ctrl-C
(the ledger keeps every student sent: the same command resumes).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..batch import batch_late
from ..late import LatePolicy, LatePolicyError
from . import outbox
from .canvas import CanvasTarget
from .deliver import Refused, Tally, check_url, push
from .ledger import LEDGER, Ledger
from .moodle import MoodleTarget

EXIT_SOME_NOT_SENT = 1
EXIT_CANNOT_PUSH = 2
TOKENS = {"canvas": "CANVAS_TOKEN", "moodle": "MOODLE_TOKEN"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder push",
                                description="Send a batch's grades and feedback to the LMS.")
    sub = p.add_subparsers(dest="lms", required=True, metavar="LMS")
    canvas = sub.add_parser("canvas", help="Canvas (token in CANVAS_TOKEN)")
    moodle = sub.add_parser("moodle", help="Moodle (token in MOODLE_TOKEN)")
    for sp in (canvas, moodle):
        sp.add_argument("outdir", type=Path, help="the --out folder of a batch")
        sp.add_argument("--url", required=True, help="the site, e.g. https://canvas.school.edu")
    canvas.add_argument("--course", required=True, help="the course id (from its URL)")
    canvas.add_argument("--assignment", required=True, help="the assignment id (from its URL)")
    moodle.add_argument("--assignment", required=True,
                        help="the assignment's id (mod_assign_get_assignments 'id')")
    for sp in (canvas, moodle):
        sp.add_argument("--dry-run", action="store_true",
                        help="print what would be sent; send nothing")
        sp.add_argument("--include-errors", action="store_true",
                        help="also send 0 for submissions the grader could not grade, with "
                             "the reason as the comment (default: leave them out)")
        sp.add_argument("--backoff", type=float, default=1.0, metavar="SECONDS",
                        help="first wait when the LMS says slow down; it doubles (default 1)")
        sp.add_argument("--late", metavar="POLICY", default=None,
                        help="the late policy, applied from the LMS's own times (default: the "
                             "batch's, in OUTDIR/batch.json); 'none' for no penalty")
    return p


def policy_of(args) -> LatePolicy:
    """--late, else the policy the batch was run with (OUTDIR/batch.json)."""
    return LatePolicy.parse(args.late if args.late is not None else batch_late(args.outdir))


def target_of(args, token: str, policy: LatePolicy):
    if args.lms == "canvas":
        return CanvasTarget(args.url, token, args.course, args.assignment, policy=policy)
    return MoodleTarget(args.url, token, args.assignment, policy=policy)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        parcels, problems = outbox.read(args.outdir)
    except FileNotFoundError as exc:
        return _cannot(str(exc))
    token = os.environ.get(TOKENS[args.lms], "")
    if not token and not args.dry_run:
        return _cannot(f"set {TOKENS[args.lms]} to your {args.lms.title()} token (the kit "
                       "reads it from the environment only)")
    why = check_url(args.url)
    if why and token:                 # a dry run with a token still reads the LMS with it
        return _cannot(why)
    try:
        policy = policy_of(args)
    except LatePolicyError as exc:
        return _cannot(str(exc))
    target = target_of(args, token, policy)
    for line in problems:
        print(f"note: {line}")
    try:
        if token:                     # a dry run with a token reads (never writes) the LMS
            for note in target.connect():
                print(note)
        else:
            print(f"note: no {TOKENS[args.lms]}: a dry run on the kit's points, without "
                  f"asking {target.lms} for its scale or its ids")
        tally = push(target, parcels, Ledger(args.outdir / LEDGER), dry_run=args.dry_run,
                     include_errors=args.include_errors, backoff=args.backoff)
    except Refused as exc:
        return _cannot(str(exc))
    except KeyboardInterrupt:
        print(f"\ninterrupted: every student sent so far is in {args.outdir / LEDGER}; run the "
              "same command again to send the rest", file=sys.stderr)
        return 130
    return _report(tally, target.lms, args.dry_run, problems)


def _report(tally: Tally, lms: str, dry_run: bool, problems: list[str]) -> int:
    for student, why in tally.skipped:
        print(f"  not sent {student}: {why}")
    print(tally.line(lms, dry_run))
    return EXIT_SOME_NOT_SENT if (tally.rejected or tally.skipped or problems) else 0


def _cannot(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CANNOT_PUSH
