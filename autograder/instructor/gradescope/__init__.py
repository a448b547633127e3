"""The Gradescope autograder zip of one assignment, and what runs inside it.

    python -m autograder gradescope N [--out DIR]     -> DIR/gradescope-<slug>.zip (default dist/)
    python -m autograder gradescope --run N           inside Gradescope (run_autograder)

    build.py       build time, on the instructor's machine: the zip, and its checks
    run.py         run time, inside Gradescope: the submission graded into results.json
    templates/     the zip's setup.sh and run_autograder (@NUMBER@, @VENV@ filled in)
    common.py      what both sides agree on: the root, the virtualenv, the CPU setting

Gradescope's contract ("Autograder Specifications",
https://gradescope-autograders.readthedocs.io/en/latest/specs/, source
github.com/gradescope/autograder_samples docs/specs.md):

* the zip holds `setup.sh` and `run_autograder` at its root (zip the files, not a folder);
* `setup.sh` runs once, as root, when Gradescope builds the image; the base image is
  Ubuntu (22.04 by default, docs/base_images.md), so it may use apt;
* the zip is extracted to /autograder/source; `run_autograder` is copied to
  /autograder/run_autograder and run with /autograder as the working directory (so the
  script finds the source through the root, never through its own location);
* the student's files are in /autograder/submission;
* run_autograder must leave /autograder/results/results.json: top-level score,
  execution_time, output, output_format, visibility, stdout_visibility, tests[] with
  name, number, score, max_score, status ("passed"/"failed"), output, output_format
  ("text", "simple_format", "html", "md", "ansi") and visibility ("hidden",
  "after_due_date", "after_published", "visible"). No file, or malformed JSON, is "The
  autograder failed to execute correctly" (docs/troubleshooting.md), so run_autograder
  always writes one, whatever happened;
* stdout goes to /autograder/results/stdout, shown to instructors only.

CPU: "By default, each autograder is allocated 1/2 of a virtual CPU ... You can also
increase the CPU allocation if it's a CPU-intensive assignment, under 'Autograder
Settings'" (docs/troubleshooting.md, "Your submission timed out"). An assignment whose
manifest entry says `cpu_speedup = true` (its graded tests time process pools) gets a
line about that setting in the zip's README and when it is built, and a note for the
instructor in results.json when it ran with less than 2 CPUs.

`CK_GRADESCOPE_ROOT` (default /autograder) moves the whole layout (<root>/source,
<root>/submission, <root>/results), so the kit's tests run the real scripts under a
temporary root.
"""
from __future__ import annotations

import argparse
import sys
import zipfile

from ... import manifest
from . import build, run
from .build import BuildError, bundle, check_zip, write_zip
from .common import SETTING, VENV
from ..late import LatePolicy, LatePolicyError
from .run import cpu_note, measured_cpus

__all__ = ["BuildError", "VENV", "build", "bundle", "check_zip", "cpu_note", "main",
           "measured_cpus", "run", "write_zip"]

EXIT_CANNOT_BUILD = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m autograder gradescope",
        description="Build the Gradescope autograder zip of one assignment: "
                    "DIR/gradescope-<slug>.zip, to upload on the assignment's Configure "
                    "Autograder page.")
    p.add_argument("assignment", help="assignment number or slug (see `python -m autograder list`)")
    p.add_argument("--out", default="dist", metavar="DIR",
                   help="where to write the zip (default: dist)")
    p.add_argument("--late", metavar="POLICY", default=None,
                   help="the late policy the autograder applies from Gradescope's submission "
                        "time and due date, e.g. '10%%/day, cap 50%%' (default: the manifest's)")
    p.add_argument("--run", action="store_true",
                   help="(inside Gradescope, used by run_autograder) grade "
                        "$CK_GRADESCOPE_ROOT/submission into results/results.json")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.run:
        return run.grade(args.assignment)
    try:
        assignment = manifest.get(args.assignment)
        path = build.write_zip(assignment, args.out, late=args.late)
    except (manifest.ManifestError, manifest.UnknownAssignment, BuildError, OSError,
            LatePolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_BUILD
    with zipfile.ZipFile(path) as zf:
        count = len(zf.namelist())
    print(f"wrote {path} ({count} files, {path.stat().st_size / 1024:.0f} KB): assignment "
          f"{assignment.number}, {assignment.title}")
    print("Upload it on Gradescope: the assignment's Configure Autograder page, base image "
          "Ubuntu 22.04 or newer.")
    if assignment.cpu_speedup:
        print(f"This assignment measures process-pool speedups: on Gradescope, {SETTING}.")
    policy = LatePolicy.parse(args.late if args.late is not None else assignment.late)
    print(f"Late policy: {policy.describe()} (from Gradescope's submission time and due date).")
    return 0
