#!/usr/bin/env bash
# GitHub Classroom's real reporter on the kit's runner JSON: not a test (it needs the
# reporter's code, which the kit does not carry). Usage:
#   bench/classroom_reporter.sh REPORTER_CHECKOUT [N]
# REPORTER_CHECKOUT: a checkout of classroom-resources/autograding-grading-reporter at v1
# (its dist/main.js is the action's bundled code); N: the assignment (default 7). It grades
# the reference and the stub of N with `check N --format classroom`, base64s each as the
# workflow's steps do, and runs the reporter with node as the Actions runner would:
# INPUT_RUNNERS and <RUNNER ID IN CAPITALS>_RESULTS in its environment.
set -euo pipefail
reporter="$1"; n="${2:-7}"
cd "$(dirname "$0")/.."
slug=$(.venv/bin/python -c "from autograder import manifest; print(manifest.get($n).slug)")
ref=$(.venv/bin/python -m autograder check "$n" "reference/$slug" --format classroom 2>/dev/null | base64 -w0)
stub=$(.venv/bin/python -m autograder check "$n" --format classroom 2>/dev/null | base64 -w0)
echo "# node $(node --version), reporter $(git -C "$reporter" rev-parse --short HEAD 2>/dev/null || echo '?'), kit $(git rev-parse --short HEAD)"
echo "# runners: reference (assignment $n's reference), stub (its stub)"
env -i PATH="$PATH" HOME="$HOME" INPUT_RUNNERS="reference,stub" \
    "REFERENCE_RESULTS=$ref" "STUB_RESULTS=$stub" node "$reporter/dist/main.js" || echo "(exit status $?: the reporter fails the job when a runner failed)"
