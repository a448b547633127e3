"""`make reset ASSIGNMENT=N`: the student's file back to the stub; the old one kept.

The pristine stubs come from the student release (`.concurrency-kit/stubs/`, written by
the release build) or, in the kit's own git checkout, from the last commit. The file it
replaces is kept under saved/<slug>/ with a time stamp.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import shutil
import subprocess
from pathlib import Path

from .. import KIT_ROOT, console, files, manifest, paths
from ..manifest import Assignment
from . import check

class ResetError(Exception):
    pass


def stub_text(a: Assignment) -> tuple[bytes, str]:
    """The assignment's pristine stub and where it came from."""
    kept = paths.STUBS / a.slug / a.files[0]
    if kept.is_file():
        return kept.read_bytes(), "the release's copy of the stub"
    rel = check.working_file(a).relative_to(KIT_ROOT).as_posix()
    try:
        out = subprocess.run(["git", "-C", str(KIT_ROOT), "show", f"HEAD:{rel}"],
                             capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ResetError(f"no pristine copy of the stub: {exc}") from exc
    if out.returncode != 0:
        raise ResetError(f"no pristine copy of the stub ({paths.STUBS / a.slug} is missing and git "
                         f"has no {rel}: {out.stderr.decode(errors='replace').strip()})")
    return out.stdout, "the last commit"


def file_state(a: Assignment) -> str:
    """'stub', 'edited' or 'missing': the working copy against the stub."""
    path = check.working_file(a)
    if not path.exists():
        return "missing"
    try:
        stub, _ = stub_text(a)
    except ResetError:
        return "?"
    return "stub" if path.read_bytes() == stub else "edited"


def reset(a: Assignment) -> str:
    stub, source = stub_text(a)
    path = check.working_file(a)
    rel = os.path.relpath(path, Path.cwd())
    if path.exists() and path.read_bytes() == stub:
        return f"{rel} is already the stub: nothing to do."
    lines = []
    if path.exists():
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        keep = paths.SAVED / a.slug / f"{path.stem}-{stamp}{path.suffix}"
        keep.parent.mkdir(parents=True, exist_ok=True)
        n = 2
        while keep.exists():
            keep = keep.with_name(f"{path.stem}-{stamp}-{n}{path.suffix}")
            n += 1
        shutil.copy2(path, keep)
        krel = os.path.relpath(keep, Path.cwd())
        lines += [f"Your file is kept as {krel}",
                  f"  (to get it back: cp {krel} {rel})"]
    files.atomic_write(path, stub)
    lines.insert(0, f"{rel} is the stub again ({source}).")
    return "\n".join(lines)




def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder reset",
                                description="the student's file back to the stub (old one kept)")
    p.add_argument("assignment")
    args = p.parse_args(argv)
    try:
        print(reset(manifest.get(args.assignment)))
    except (manifest.ManifestError, manifest.UnknownAssignment, ResetError) as exc:
        return console.fail(str(exc))
    return 0
