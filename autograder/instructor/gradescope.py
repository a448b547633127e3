"""The Gradescope autograder zip of one assignment, and what runs inside it.

    python -m autograder gradescope N [--out DIR]     -> DIR/gradescope-<slug>.zip (default dist/)

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
Settings'" (docs/troubleshooting.md, "Your submission timed out"). run_autograder reads
the CPU really available (cgroup quota, affinity: checks/timing.cpu_budget), passes the
quota to the graded tests (CK_CPU_QUOTA), which then judge process-pool speedups on
structural evidence when no speedup can be shown; results.json's top-level output then
tells the instructor which setting to raise.

What the zip holds: setup.sh, run_autograder, README.md (what this zip is), the engine
(autograder/ and pyproject.toml, requirements.txt = pyproject's dependencies), the
assignment's folder (stub, README, hints, visible and hidden tests) and a manifest with
that one entry. Never the reference solution, the broken variants, other assignments,
.git or caches: `build` checks the finished zip for each of these and refuses to write
one that fails.

`CK_GRADESCOPE_ROOT` (default /autograder) moves the whole layout (<root>/source,
<root>/submission, <root>/results), so the kit's tests run the real scripts under a
temporary root.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import re
import subprocess
import sys
import time
import traceback
import zipfile
from pathlib import Path

from .. import KIT_ROOT, __version__, manifest
from ..files import is_junk, tree

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ROOT_ENV = "CK_GRADESCOPE_ROOT"
DEFAULT_ROOT = "/autograder"
VENV = "ck-venv"                      # <root>/ck-venv: setup.sh's virtualenv
STARTED = "started"                   # extra_data.ck_state of the placeholder results.json
EXIT_CANNOT_BUILD = 2

# A process pool of 2 workers needs 2 CPUs to show its speedup.
CPUS_FOR_SPEEDUP = 2.0
SETTING = ('open the assignment\'s Settings page and, under "Autograder Settings", raise '
           'the CPU allocation to 2 or more (Gradescope\'s default is 1/2 vCPU)')

JUNK_DIRS = {"__pycache__", ".pytest_cache", ".git", ".ipynb_checkpoints", ".mypy_cache",
             ".ruff_cache", "__MACOSX", ".venv", "node_modules"}
JUNK_SUFFIXES = (".pyc", ".pyo", ".tmp", ".swp", ".orig", ".rej", "~")
JUNK_NAMES = {".DS_Store", "Thumbs.db"}

# Tests that judge CPU-bound (process pool) speedups use one of these.
CPU_BOUND_MARKERS = re.compile(r"cpu_bound\s*=\s*True|judge_with_yardstick|parallel_capacity\(")


class BuildError(Exception):
    """The zip cannot be built, or would not be safe to upload."""


# ----------------------------------------------------------------- the scripts

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (Autograder Specifications: https://gradescope-autograders.readthedocs.io/en/latest/specs/).
# It installs Python 3.10+ with venv (apt, only if missing), then the concurrency-kit
# engine and its dependencies (requirements.txt = pyproject.toml's, same versions) into
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
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission, from /autograder (a copy of this file is
# /autograder/run_autograder). It grades /autograder/submission and always leaves a valid
# /autograder/results/results.json, even when grading fails (then score 0 and the error).
# Autograder Specifications: https://gradescope-autograders.readthedocs.io/en/latest/specs/
# CK_GRADESCOPE_ROOT (default /autograder) moves the whole layout, for the kit's tests.
set -u

ROOT="${CK_GRADESCOPE_ROOT:-/autograder}"
SOURCE="$ROOT/source"
RESULTS="$ROOT/results/results.json"
ASSIGNMENT=@NUMBER@
mkdir -p "$ROOT/results"
rm -f "$RESULTS"

if [ -x "$ROOT/@VENV@/bin/python" ]; then
    PY="$ROOT/@VENV@/bin/python"
else
    PY="$(command -v python3 || true)"
fi

LOG="$(mktemp 2>/dev/null || echo "$ROOT/results/ck-run.log")"
status=127
if [ -n "$PY" ] && cd "$SOURCE"; then
    "$PY" -m autograder gradescope --run "$ASSIGNMENT" 2>&1 | tee "$LOG"
    status=${PIPESTATUS[0]}
else
    echo "run_autograder: no python3, or no $SOURCE" | tee "$LOG"
fi

# The grader wrote results.json, unless it could not start or was killed mid-way (then
# the file is missing, or still the placeholder written before grading began).
if [ -n "$PY" ] && "$PY" - "$RESULTS" "$LOG" "$status" <<'PYEOF'
import json, sys
results, log, status = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    data = json.load(open(results, encoding="utf-8"))
    assert isinstance(data, dict) and "score" in data
except Exception:
    data = {"score": 0.0, "tests": [], "visibility": "visible", "stdout_visibility": "hidden",
            "output_format": "text", "extra_data": {"ck_state": "no-results"}}
    data["output"] = ("The autograder could not grade this submission: the grader did not "
                      "start or did not finish. This is a problem of the autograder's "
                      "setup, not a verdict on your code: please tell your instructor.")
if data.get("extra_data", {}).get("ck_state") in ("started", "no-results"):
    try:
        tail = open(log, encoding="utf-8", errors="replace").read()[-3000:]
    except OSError:
        tail = "(no log)"
    data["output"] = (data.get("output", "") + "\n\nThe grader exited with status " + status
                      + ". Its last output (for the instructor):\n" + tail)
    data["extra_data"]["ck_state"] = "failed"
with open(results + ".tmp", "w", encoding="utf-8") as f:
    json.dump(data, f, indent=2)
import os
os.replace(results + ".tmp", results)
PYEOF
then
    :
else
    # No usable Python at all: a fixed, valid results.json.
    printf '%s\n' '{"score": 0.0, "tests": [], "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "output": "The autograder could not start Python, so this submission was not graded. This is a problem of the autograder setup, not of your code: please tell your instructor."}' > "$RESULTS"
fi
rm -f "$LOG"
exit 0
"""

BUNDLE_README = """# Gradescope autograder: assignment {number}, {title}

Built by concurrency-kit {version} on {built}{commit}.

Upload this zip unchanged on Gradescope (the assignment's Configure Autograder page,
base image Ubuntu 22.04 or newer). Gradescope extracts it to /autograder/source, runs
`setup.sh` once to build the image, then `run_autograder` for every submission.

* `setup.sh`        installs Python (apt, if missing) and the engine with its
                    dependencies (requirements.txt) into /autograder/{venv}
* `run_autograder`  grades /autograder/submission into /autograder/results/results.json
* `autograder/`     the grading engine; `assignments/` this assignment only: the stub,
                    README, hints and the visible and hidden tests

{cpu}Try it locally before uploading: `python -m autograder grade {number} your_file.py`
in the kit.
"""


# ------------------------------------------------------------------- building

def cpu_bound_timing(assignment: manifest.Assignment) -> bool:
    """Does this assignment's suite judge CPU-bound (process pool) speedups?"""
    for path in sorted(assignment.tests_dir.rglob("*.py")):
        if CPU_BOUND_MARKERS.search(path.read_text(encoding="utf-8", errors="replace")):
            return True
    return False


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)   # a valid TOML basic string
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def manifest_text(assignment: manifest.Assignment) -> str:
    """A manifest with this assignment only, checked by reading it back."""
    fields = {f.name: getattr(assignment, f.name) for f in dataclasses.fields(assignment)}
    fields = {k: v for k, v in fields.items() if v is not False}   # flags only when set
    lines = ["# The Gradescope autograder's manifest: this one assignment "
             "(the kit's assignments/manifest.toml has them all).", "", "[[assignment]]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in fields.items()]
    text = "\n".join(lines) + "\n"
    back = tomllib.loads(text)["assignment"][0]
    if manifest._parse(back, "generated manifest") != assignment:
        raise BuildError(f"the generated manifest does not read back as assignment "
                         f"{assignment.number}: {back}")
    return text


def requirements_text(pyproject: Path) -> str:
    """pyproject's [project] dependencies, one a line, with the same version specifiers."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return ("# From pyproject.toml's [project] dependencies (same versions); setup.sh installs "
            "these.\n" + "".join(f"{d}\n" for d in deps))


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(KIT_ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(KIT_ROOT), "status", "--porcelain"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    if out.returncode != 0:
        return ""
    return f", commit {out.stdout.strip()}" + (" with local changes" if dirty.stdout.strip() else "")


def bundle(assignment: manifest.Assignment) -> dict[str, bytes | Path]:
    """{name in the zip: content or file}: everything the zip holds."""
    def fill(text: str) -> bytes:
        return (text.replace("@NUMBER@", str(assignment.number))
                .replace("@VENV@", VENV).encode("utf-8"))

    cpu = ""
    if cpu_bound_timing(assignment):
        cpu = (f"This assignment measures process-pool speedups: on Gradescope, {SETTING}. "
               f"With less, run_autograder grades the speedup tests on structural evidence "
               f"and says so in every result.\n\n")
    built = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    files: dict[str, bytes | Path] = {
        "setup.sh": fill(SETUP_SH),
        "run_autograder": fill(RUN_AUTOGRADER),
        "README.md": BUNDLE_README.format(number=assignment.number, title=assignment.title,
                                          version=__version__, built=built,
                                          commit=_git_commit(), venv=VENV,
                                          cpu=cpu).encode("utf-8"),
        "pyproject.toml": KIT_ROOT / "pyproject.toml",
        "requirements.txt": requirements_text(KIT_ROOT / "pyproject.toml").encode("utf-8"),
        "assignments/manifest.toml": manifest_text(assignment).encode("utf-8"),
    }
    files.update(tree(KIT_ROOT / "autograder", "autograder"))
    files.update(tree(assignment.folder, f"assignments/{assignment.slug}"))
    return files


EXECUTABLE = {"setup.sh", "run_autograder"}


def _forbidden_contents(assignment: manifest.Assignment) -> dict[bytes, str]:
    """Files that must never ship, by content: the reference solutions, the broken
    variants, the other assignments' tests."""
    out = {}
    for path in sorted((KIT_ROOT / "reference").rglob("*.py")):
        out[path.read_bytes()] = str(path.relative_to(KIT_ROOT))
    own = {p.read_bytes() for p in assignment.folder.glob("*.py")}
    for path in sorted((KIT_ROOT / "tests" / "broken").rglob("*.py")):
        if path.read_bytes() not in own:     # a broken variant that is the stub is no secret
            out.setdefault(path.read_bytes(), str(path.relative_to(KIT_ROOT)))
    for other in manifest.load():
        if other.slug != assignment.slug and other.tests_dir.is_dir():
            for path in other.tests_dir.rglob("test_*.py"):
                out.setdefault(path.read_bytes(), str(path.relative_to(KIT_ROOT)))
    return out


def check_zip(zip_path: Path, assignment: manifest.Assignment) -> list[str]:
    """What is wrong with a built zip ([] = nothing): the scripts at the root, one
    assignment, nothing that must stay private."""
    problems = []
    forbidden = _forbidden_contents(assignment)
    others = {a.slug for a in manifest.load()} - {assignment.slug}
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        for required in ("setup.sh", "run_autograder", "pyproject.toml", "requirements.txt",
                         "assignments/manifest.toml", "autograder/__init__.py",
                         f"assignments/{assignment.slug}/{assignment.files[0]}"):
            if required not in names:
                problems.append(f"{required} is missing")
        for name in names:
            parts = name.split("/")
            if parts[0] in ("reference", "tests", "bench", "build", "dist", "grades"):
                problems.append(f"{name}: the kit's {parts[0]}/ must not ship")
            if parts[0] == "assignments" and len(parts) > 2 and parts[1] in others:
                problems.append(f"{name}: another assignment")
            if is_junk(Path(name)):
                problems.append(f"{name}: junk or cache")
            data = zf.read(name)
            if data in forbidden:
                problems.append(f"{name} has the content of {forbidden[data]}")
        for name in EXECUTABLE & set(names):
            mode = zf.getinfo(name).external_attr >> 16
            if not mode & 0o111:
                problems.append(f"{name} is not executable")
        entries = tomllib.loads(zf.read("assignments/manifest.toml").decode())["assignment"] \
            if "assignments/manifest.toml" in names else []
        if [e.get("slug") for e in entries] != [assignment.slug]:
            problems.append(f"the manifest lists {[e.get('slug') for e in entries]}, "
                            f"not only {assignment.slug}")
    return problems


def build(assignment: manifest.Assignment, out_dir: str | os.PathLike) -> Path:
    """Write out_dir/gradescope-<slug>.zip and check it; returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"gradescope-{assignment.slug}.zip"
    tmp = target.with_name(target.name + ".part")
    files = bundle(assignment)
    now = time.localtime()[:6]
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            content = files[name]
            data = content.read_bytes() if isinstance(content, Path) else content
            info = zipfile.ZipInfo(name, date_time=now)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((0o100755 if name in EXECUTABLE else 0o100644) << 16)
            zf.writestr(info, data)
    problems = check_zip(tmp, assignment)
    if problems:
        tmp.unlink()
        raise BuildError("the zip would not be safe to upload:\n  " + "\n  ".join(problems))
    os.replace(tmp, target)
    return target


# ----------------------------------------------------------- inside Gradescope

def measured_cpus():
    """The CPU this run really has (cgroup v2/v1 quota on our own path, affinity)."""
    from ..checks import timing
    return timing.cpu_budget()


def cpu_note(assignment: manifest.Assignment, cpus) -> str | None:
    """The note for the instructor when the CPUs cannot show a process pool's speedup."""
    if cpus.effective >= CPUS_FOR_SPEEDUP or not cpu_bound_timing(assignment):
        return None
    return (f"Note for the instructor: this autograder ran with {cpus.describe()}. A process "
            f"pool's speedup needs {CPUS_FOR_SPEEDUP:g} CPUs to show, so the speedup tests "
            f"were judged on structural evidence (several worker processes did the work) "
            f"and no student loses points for the machine, but no speedup was really "
            f"measured. To measure it: on Gradescope, {SETTING}.")


def _rows(assignment: manifest.Assignment, output: str) -> list[dict]:
    """One 0-point row per expected test, when grading could not produce results."""
    from .. import runner
    try:
        tests = runner.expected_tests(assignment)
    except Exception:  # noqa: BLE001 - no rows is still a valid results.json
        return []
    return [{"name": t.name, "number": f"{assignment.number}.{i}", "score": 0.0,
             "max_score": t.points, "status": "failed", "output": output,
             "output_format": "text", "visibility": t.visibility,
             "extra_data": {"nodeid": t.nodeid}}
            for i, t in enumerate(tests, 1)]


def _failure(assignment, what: str, rows_output: str, state: str, started: float) -> dict:
    return {
        "score": 0.0,
        "execution_time": round(time.monotonic() - started, 2),
        "output": what,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": _rows(assignment, rows_output) if assignment is not None else [],
        "extra_data": {"ck_state": state},
    }


def _same_reason(data: dict) -> str | None:
    """When every test failed with one and the same message (a syntax error, a missing
    file), that message: students should not have to open 20 tests to find it."""
    tests = data.get("tests") or []
    if not tests or any(t["status"] == "passed" for t in tests):
        return None
    firsts = {t["output"].strip() for t in tests}
    return firsts.pop() if len(firsts) == 1 and firsts != {""} else None



def _lock_away_tests() -> None:
    """In Gradescope's container (root, often without the namespaces bubblewrap needs),
    the graded child still runs as a user of its own: make the zip's test folders
    unreadable to it, so only the grader's scratch copy (whose hidden tests the child
    deletes once collected) is left to read."""
    from .. import jail
    if not jail.is_root():
        return
    for tests in (KIT_ROOT / "assignments").glob("*/tests"):
        try:
            os.chmod(tests, 0o700)
        except OSError:
            pass

def run(key: str, root: str | os.PathLike | None = None) -> int:
    """Grade <root>/submission into <root>/results/results.json (run_autograder's work)."""
    from .. import reports, runner
    started = time.monotonic()
    root = Path(root or os.environ.get(ROOT_ENV) or DEFAULT_ROOT)
    results = root / "results" / "results.json"
    submission = root / "submission"
    assignment = None
    try:
        assignment = manifest.get(key)
        # A placeholder first: if grading is killed mid-way, a valid file is still there.
        reports.write_json(_failure(
            assignment, "The autograder stopped before it finished grading (it was killed, "
            "or ran out of time or memory). This is not a verdict on your code: please tell "
            "your instructor.", "Not graded: the autograder stopped before this test ran.",
            STARTED, started), results)
        cpus = measured_cpus()
        if cpus.quota is not None and not os.environ.get("CK_CPU_QUOTA"):
            os.environ["CK_CPU_QUOTA"] = f"{cpus.quota:g}"   # the graded tests read it
        print(f"concurrency-kit {__version__}: assignment {assignment.number} "
              f"({assignment.slug}), engine {Path(__file__).resolve().parent}")
        print(f"CPU: {cpus.describe()}")
        if not submission.is_dir():
            raise FileNotFoundError(f"Gradescope left no submission folder at {submission}")
        _lock_away_tests()
        grade = runner.grade(assignment, submission)
        data = reports.gradescope(grade)
        head = []
        reason = _same_reason(data)
        if reason:
            head.append(f"Every test failed for the same reason:\n{reason}")
        note = cpu_note(assignment, cpus)
        data["output"] = "\n\n".join(head + [data["output"]] + ([note] if note else []))
        data["extra_data"] = {"ck_state": "graded", "cpus": cpus.describe()}
        reports.write_json(data, results)
        print(reports.text(grade, source=str(submission)))
        if note:
            print(note)
        return 0
    except Exception as exc:  # noqa: BLE001 - whatever happened, Gradescope gets results
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        print(detail, file=sys.stderr)
        data = _failure(assignment,
                        f"The autograder could not grade this submission: "
                        f"{type(exc).__name__}: {exc}\nThis is a problem of the autograder, "
                        f"not a verdict on your code: please tell your instructor.",
                        f"Not graded: the autograder failed ({type(exc).__name__}: {exc}).",
                        "error", started)
        data["extra_data"]["traceback"] = detail[-4000:]
        try:
            from ..reports import write_json
            write_json(data, results)
        except Exception:  # noqa: BLE001 - run_autograder's fallback writes one
            return 1
        return 0


# ------------------------------------------------------------------------ CLI

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m autograder gradescope",
        description="Build the Gradescope autograder zip of one assignment: "
                    "DIR/gradescope-<slug>.zip, to upload on the assignment's Configure "
                    "Autograder page.")
    p.add_argument("assignment", help="assignment number or slug (see `python -m autograder list`)")
    p.add_argument("--out", default="dist", metavar="DIR",
                   help="where to write the zip (default: dist)")
    p.add_argument("--run", action="store_true",
                   help="(inside Gradescope, used by run_autograder) grade "
                        "$CK_GRADESCOPE_ROOT/submission into results/results.json")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.run:
        return run(args.assignment)
    try:
        assignment = manifest.get(args.assignment)
        path = build(assignment, args.out)
    except (manifest.ManifestError, manifest.UnknownAssignment, BuildError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_BUILD
    with zipfile.ZipFile(path) as zf:
        count = len(zf.namelist())
    print(f"wrote {path} ({count} files, {path.stat().st_size / 1024:.0f} KB): assignment "
          f"{assignment.number}, {assignment.title}")
    print("Upload it on Gradescope: the assignment's Configure Autograder page, base image "
          "Ubuntu 22.04 or newer.")
    if cpu_bound_timing(assignment):
        print(f"This assignment measures process-pool speedups: on Gradescope, {SETTING}.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
