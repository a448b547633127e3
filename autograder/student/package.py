"""`make submit ASSIGNMENT=N`: the student's file(s) in a zip, ready to upload, checked first.

The zip holds the assignment's files (e.g. `consumer.py`) at its top, as Gradescope, Canvas
and Moodle take them and as the instructor's grader reads them. Before it is written, the
files are checked: each one there, not still the stub, and able to run at all (the
grader's own precheck: not empty, compiles, has the functions the tests call). A file
that fails is not packaged: the message says why, and nothing is written.

    submission-<N>-<slug>.zip    at the top of the kit (OUT= elsewhere)
"""
from __future__ import annotations

import argparse
import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

from .. import KIT_ROOT, console, files, manifest, precheck
from ..manifest import Assignment
from . import reset


class PackageError(Exception):
    """The files cannot be packaged (the reason in words, for the student)."""


def problems(a: Assignment, folder: Path) -> list[str]:
    """Why the files in `folder` should not be handed in ([] when they can be)."""
    missing = [name for name in a.files if not (folder / name).is_file()]
    if missing:
        return [f"{', '.join(missing)} not found in {folder}"]
    out = []
    try:
        stub, _ = reset.stub_text(a)
    except reset.ResetError:
        stub = None
    if stub is not None and (folder / a.files[0]).read_bytes() == stub:
        out.append(f"{a.files[0]} is still the stub: nothing of yours would be graded")
    why = precheck.cannot_run(a, folder)
    if why:
        out.append(why)
    return out


def package(a: Assignment, folder: Path, out: Path) -> Path:
    """The zip of the assignment's files in `folder`, written to `out` (a folder), after
    the checks; PackageError (and nothing written) when they fail."""
    found = problems(a, folder)
    if found:
        raise PackageError("\n".join(found))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in a.files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # same file, same zip
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, (folder / name).read_bytes())
    data = buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp:    # read back: what the grader will unzip
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            z.extractall(tmp)
        if sorted(p.name for p in Path(tmp).iterdir()) != sorted(a.files):
            raise PackageError("the zip did not read back as written")
    path = Path(out) / f"submission-{a.number}-{a.slug}.zip"
    files.atomic_write(path, data)
    return path


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder submit",
                                description="your file(s) in a zip, ready to upload, checked first")
    p.add_argument("assignment", help="assignment number or slug (see `list`)")
    p.add_argument("--out", default=None, help="the folder to write the zip to (default: the kit's)")
    args = p.parse_args(argv)
    try:
        a = manifest.get(args.assignment)
        path = package(a, a.folder, Path(args.out or KIT_ROOT))
    except (manifest.ManifestError, PackageError) as exc:
        return console.fail(f"nothing was packaged:\n{exc}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    print(f"{path} ({', '.join(a.files)}; sha256 {digest}): upload this file as your "
          f"submission. `make check ASSIGNMENT={a.number}` shows what it scores on the "
          f"visible tests.")
    return 0
