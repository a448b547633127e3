"""`python -m autograder merge DIR... --out DIR`: the parts of a sharded batch as one.

    merge(dirs, out, late=None, export_options=None) -> Merged

Each DIR is the --out of `batch ... --shard K/M` (its shard.json says which part, and
every student the discovery found). The merge checks the parts belong together (one
assignment, one M, one discovery), copies every student's folder into OUT and writes
grades.csv, the LMS exports, unmatched.csv and summary.txt as one batch would.

Never a silent drop or double: a student no part graded (a shard that failed, or never
ran) gets an error row saying which shard should have graded it; a student graded in
two parts (a shard rerun into another folder) is kept once, from the part the split gave
it to, and named. Both are problems: listed, in summary.txt, exit status 1.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path

from .. import manifest
from .batch import batch_late, folder_name, write_outputs
from .late import LatePolicy, LatePolicyError, penalise
from .records import GradeRow, Student, Unmatched
from .rows import error_row, from_json
from . import sharding
from .sharding import Shard, ShardError, read_shard_json

EXIT_PROBLEMS = 1
EXIT_CANNOT_MERGE = 2


@dataclasses.dataclass
class Merged:
    rows: list[GradeRow]
    problems: list[str]
    files: list[Path]
    warnings: list[str]


def check_parts(shards: list[Shard]) -> list[str]:
    """Why these parts cannot be one batch (empty: they can)."""
    first = shards[0]
    why = []
    for s in shards[1:]:
        for what, mine, theirs in (("assignment", s.assignment, first.assignment),
                                   ("number of shards", s.m, first.m),
                                   ("discovery (the students found)", s.discovery, first.discovery)):
            if mine != theirs:
                why.append(f"{s.out}: another {what} than {first.out} ({mine} against {theirs}): "
                           "parts of one batch grade the same download the same way")
    return why


def merge(dirs: list[Path], out: Path, *, late: str | None = None,
          export_options: dict | None = None) -> Merged:
    started = time.monotonic()
    shards = [read_shard_json(d) for d in dirs]
    why = check_parts(shards)
    if why:
        raise ShardError("\n".join(why))
    first = shards[0]
    assignment = manifest.get(first.assignment)
    problems = _missing_shards(shards)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for sid in first.all_ids:
        row, problem = _one_student(sid, shards, out, assignment)
        rows.append(row)
        if problem:
            problems.append(problem)
    policy = LatePolicy.parse(late if late is not None else _batch_late(shards))
    rows = penalise(rows, policy)
    files, warnings = write_outputs(out, rows, _unmatched(shards), assignment, policy,
                                    export_options, time.monotonic() - started)
    (out / "merge.json").write_text(json.dumps(
        {"parts": [{"dir": str(s.out), "shard": s.k, "of": s.m, "students": len(s.ids)}
                   for s in shards], "problems": problems}, indent=1) + "\n")
    return Merged(rows, problems, files + [out / "merge.json"], warnings)


def _missing_shards(shards: list[Shard]) -> list[str]:
    have = {s.k for s in shards}
    return [f"shard {k}/{shards[0].m} is missing: its students have no grade here"
            for k in range(1, shards[0].m + 1) if k not in have]


def _one_student(sid: str, shards: list[Shard], out: Path, assignment):
    """(the row, a problem or None): from the part that graded it (its own first)."""
    owner = next((s for s in shards if sid in s.ids), None)
    found = [s for s in shards if (s.out / folder_name(sid) / "row.json").is_file()]
    found.sort(key=lambda s: (s is not owner, -(s.out / folder_name(sid) / "row.json").stat().st_mtime))
    problem = None
    if not found:
        k = sharding.owner(sid, shards[0].all_ids, shards[0].m)
        message = (f"not graded: shard {k}/{shards[0].m} has no row for this student (the "
                   "shard failed, was stopped, or never ran); rerun that shard, then merge")
        return error_row(Student(sid, sid, Path(""), "missing"), assignment, message), \
            f"{sid}: {message}"
    if len(found) > 1:
        problem = (f"{sid}: graded in {len(found)} parts ({', '.join(str(s.out) for s in found)}); "
                   f"kept {found[0].out}")
    source = found[0].out / folder_name(sid)
    target = out / folder_name(sid)
    if target.resolve() != source.resolve():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
    row = from_json(json.loads((target / "row.json").read_text(encoding="utf-8")))
    return row, problem


def _batch_late(shards: list[Shard]) -> str | None:
    return next((spec for s in shards if (spec := batch_late(s.out)) is not None), None)


def _unmatched(shards: list[Shard]) -> list[Unmatched]:
    """What the download held that is no student's: every part saw the same, once each."""
    seen: dict[tuple[str, str], Unmatched] = {}
    for s in shards:
        path = s.out / "unmatched.csv"
        if path.is_file():
            with open(path, encoding="utf-8", newline="") as f:
                for line in csv.DictReader(f):
                    seen.setdefault((line["path"], line["reason"]), Unmatched(line["path"], line["reason"]))
    return sorted(seen.values(), key=lambda u: u.path)


# ------------------------------------------------------------------------- CLI

def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder merge",
                                description="Put the parts of a sharded batch together.")
    p.add_argument("dirs", nargs="+", type=Path, help="the --out of each `batch --shard K/M`")
    p.add_argument("--out", required=True, type=Path, help="where the merged batch goes")
    p.add_argument("--late", metavar="POLICY", default=None,
                   help="the late policy (default: the one the shards ran with)")
    p.add_argument("--canvas-assignment-id", metavar="ID", default=None)
    args = p.parse_args(argv)
    if any(args.out.resolve() == d.resolve() for d in args.dirs):
        print("error: --out must be a folder of its own, not one of the parts", file=sys.stderr)
        return EXIT_CANNOT_MERGE
    options = {"canvas_assignment_id": args.canvas_assignment_id} if args.canvas_assignment_id else {}
    try:
        merged = merge(args.dirs, args.out, late=args.late, export_options=options)
    except (ShardError, LatePolicyError, manifest.ManifestError, manifest.UnknownAssignment) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_MERGE
    print((args.out / "summary.txt").read_text(encoding="utf-8"), end="")
    for w in merged.warnings:
        print(f"note: {w}")
    for problem in merged.problems:
        print(f"PROBLEM {problem}")
    print(f"merged {len(args.dirs)} part(s): {len(merged.rows)} student(s) in {args.out}/")
    return EXIT_PROBLEMS if merged.problems else 0
