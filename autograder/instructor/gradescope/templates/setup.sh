#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (Autograder Specifications: https://gradescope-autograders.readthedocs.io/en/latest/specs/).
# It installs Python 3.10+ with venv (apt, only if missing), then the concurrency-kit
# engine and its dependencies (requirements.txt: pyproject.toml's, pinned to the versions
# the kit was tested with) into
# a virtualenv that run_autograder uses.
set -euo pipefail

ROOT="${CK_GRADESCOPE_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/@VENV@"

have_python() {
    command -v python3 >/dev/null 2>&1 &&
        python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null
}

if ! have_python; then
    echo "setup.sh: installing python3, python3-pip and python3-venv with apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-pip python3-venv
fi
if ! have_python; then
    echo "error: this autograder needs Python 3.10 or newer with venv; the image has" \
         "$(python3 --version 2>&1 || echo 'no python3')." \
         "Choose the Ubuntu 22.04 (or newer) base image on the Configure Autograder page." >&2
    exit 1
fi

# bubblewrap gives each grading its own file system, PID and network namespaces (optional:
# where the container forbids namespaces, the grading uses the layers it can, and the
# autograder's output says which).
if ! command -v bwrap >/dev/null 2>&1; then
    echo "setup.sh: installing bubblewrap (the grading sandbox)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y --no-install-recommends bubblewrap ||
      { apt-get update && apt-get install -y --no-install-recommends bubblewrap; }; } \
        >/dev/null 2>&1 || echo "setup.sh: note: could not install bubblewrap"
fi

python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-cache-dir \
    -r "$SOURCE/requirements.txt"
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-cache-dir --no-deps \
    -e "$SOURCE"
chmod +x "$SOURCE/run_autograder"
[ -f "$ROOT/run_autograder" ] && chmod +x "$ROOT/run_autograder"

# Smoke test: the engine imports and finds this assignment in its manifest.
cd "$SOURCE"
"$VENV/bin/python" -m autograder list
echo "setup.sh: concurrency-kit autograder for assignment @NUMBER@ is ready"
