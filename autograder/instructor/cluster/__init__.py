"""Grading on a cluster: `python -m autograder slurm N PATH --out DIR [--nodes K]`.

    scripts(assignment, download, out, nodes, shards, ...) -> {name: text}
    main(argv)    --print the job scripts, or write them (DIR/slurm/) and --submit them

A Slurm job array, one task per shard (`batch ... --shard K/M`), each on a whole node
(`--exclusive`: a timed test needs the machine to itself, and the machine lock only
guards one machine), at most K at once (`--array=1-M%K`); then a merge job that waits for
all of them (`--dependency=afterany:<array>`, so a failed shard is reported, not lost).
The download and DIR must be on the file system the nodes share; every node runs the
kit from this checkout (its .venv), so the kit must be there too. The job scripts are
template files beside this module.

Sources: Slurm's sbatch manual (--array with %, --exclusive, --dependency=afterany,
--parsable, SLURM_ARRAY_TASK_ID, the %a filename pattern), slurm.schedmd.com/sbatch.html
and job_array.html.
"""
from __future__ import annotations

import argparse
import math
import shlex
import shutil
import string
import subprocess
import sys
from pathlib import Path

from ... import KIT_ROOT, manifest
from .. import lms

TEMPLATES = Path(__file__).resolve().parent / "templates"
EXIT_CANNOT = 2


def _minutes(assignment: manifest.Assignment, students: int, shards: int) -> int:
    """A task's time limit: its share of the class, each grading its whole budget, one
    at a time (the worst case: every submission hangs), plus set-up."""
    per_shard = math.ceil(students / shards) if students else 1
    return int(per_shard * assignment.budget / 60) + 10


def scripts(assignment: manifest.Assignment, download: Path, out: Path, *, nodes: int,
            shards: int, students: int, python: str, partition: str = "", account: str = "",
            late: str | None = None) -> dict[str, str]:
    directives = "\n".join(f"#SBATCH --{k}={v}" for k, v in
                           (("partition", partition), ("account", account)) if v)
    logs = out / "slurm"
    common = {"number": assignment.number, "shards": shards, "nodes": nodes,
              "kit": shlex.quote(str(KIT_ROOT)), "python": shlex.quote(python),
              "out": shlex.quote(str(out)), "logs": str(logs), "extra_directives": directives}
    batch_options = f" --late {shlex.quote(late)}" if late is not None else ""
    grade = string.Template((TEMPLATES / "grade.sbatch").read_text()).substitute(
        common, download=shlex.quote(str(download)), minutes=_minutes(assignment, students, shards),
        batch_options=batch_options)
    parts = " ".join(shlex.quote(str(out / f"shard-{k}")) for k in range(1, shards + 1))
    merge = string.Template((TEMPLATES / "merge.sbatch").read_text()).substitute(
        common, parts=parts, merge_options=batch_options)
    return {"grade.sbatch": grade, "merge.sbatch": merge}


def submit(folder: Path) -> tuple[str, str]:
    """sbatch the array, then the merge after it: the two job ids."""
    def sbatch(*args) -> str:
        done = subprocess.run(["sbatch", "--parsable", *args], capture_output=True, text=True,
                              timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"sbatch {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout.strip().split(";")[0]
    array = sbatch(str(folder / "grade.sbatch"))
    return array, sbatch(f"--dependency=afterany:{array}", str(folder / "merge.sbatch"))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder slurm",
                                description="Grade a download on a Slurm cluster: a job array "
                                            "of shards on whole nodes, then their merge.")
    p.add_argument("assignment")
    p.add_argument("path", type=Path, help="the download, on the file system the nodes share")
    p.add_argument("--out", required=True, type=Path, help="shared folder for shards and merge")
    p.add_argument("--nodes", type=int, default=1, help="tasks at once, a node each (default 1)")
    p.add_argument("--shards", type=int, default=None, help="parts (default: --nodes)")
    p.add_argument("--partition", default="")
    p.add_argument("--account", default="")
    p.add_argument("--late", default=None, metavar="POLICY")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--print", action="store_true", help="print the job scripts only")
    what.add_argument("--submit", action="store_true", help="write them and sbatch them")
    args = p.parse_args(argv)
    try:
        assignment = manifest.get(args.assignment)
    except (manifest.ManifestError, manifest.UnknownAssignment) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT
    download, out = args.path.resolve(), args.out.resolve()
    if not download.exists():
        print(f"error: no such file or folder: {download}", file=sys.stderr)
        return EXIT_CANNOT
    nodes = max(1, args.nodes)
    shards = max(1, args.shards or nodes)
    students = _count(assignment, download, out)
    texts = scripts(assignment, download, out, nodes=nodes, shards=shards, students=students,
                    python=str(KIT_ROOT / ".venv" / "bin" / "python"), partition=args.partition,
                    account=args.account, late=args.late)
    if args.print:
        for name, text in texts.items():
            print(f"# ----- {name}\n{text}")
        return 0
    folder = out / "slurm"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text)
    print(f"{students} submission(s) in {shards} shard(s), {nodes} node(s) at once: "
          f"{folder / 'grade.sbatch'}, {folder / 'merge.sbatch'}")
    if not args.submit:
        print(f"submit with: sbatch {folder / 'grade.sbatch'} (then merge.sbatch with "
              "--dependency=afterany:<its job id>), or run this again with --submit")
        return 0
    if not shutil.which("sbatch"):
        print("error: no sbatch here: run this on the cluster's login node", file=sys.stderr)
        return EXIT_CANNOT
    try:
        array, merge_job = submit(folder)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT
    print(f"submitted: array job {array} ({shards} task(s)), merge job {merge_job} after it; "
          f"the merged batch will be in {out / 'merged'}")
    return 0


def _count(assignment, download: Path, out: Path) -> int:
    """How many students the tasks will find (a discovery of our own, thrown away)."""
    work = out / "slurm" / ".count"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        return len(lms.discover(download, assignment, work).students)
    finally:
        shutil.rmtree(work, ignore_errors=True)
