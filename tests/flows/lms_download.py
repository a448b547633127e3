"""Synthetic LMS downloads, as Moodle and Canvas hand them out, with what each student
must score. Used by tests/flows/test_batch.py and bench/batch_speed.py.

    moodle_download(assignment, dest, n=30, variants=None) -> (zip path, {id: Expect})
    canvas_download(assignment, dest)       -> (zip path, {student id: Expect})

Moodle ("Download all submissions", in folders): one folder per student named
"<Full Name>_<participant>_assignsubmission_file_". Canvas ("Download Submissions"): flat
files "<sortablename>_[late_]<user id>_<submission id>_<file name>".
"""
from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

from autograder import KIT_ROOT
from autograder.manifest import Assignment

BROKEN = KIT_ROOT / "tests" / "broken"
CLASS_ASSIGNMENT = 2   # the batches the flow tests share (flows/conftest.py) grade this one
CLASS_SIZE = 22        # their Moodle download: 2 broken variants, 19 of every other kind, 1 more


@dataclasses.dataclass
class Expect:
    kind: str                     # reference, stub, broken, syntax, empty, ...
    name: str = ""                # the display name the LMS gave
    lms_id: str = ""              # Moodle participant / Canvas user id
    fails: set[str] | None = None  # broken: exactly these tests fail
    full: bool = False            # must earn full marks
    zero: bool = False            # must earn 0
    partial: bool = False         # more than 0, less than full
    status: str = "graded"        # or "error": the grader could not grade it
    says: str = ""                # the student's feedback must say this (case ignored)


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia",
         "Ken", "Margaret", "Tony", "Shafi", "Leslie", "Zoë", "Niklaus", "Sophie", "Guido",
         "Anita", "Dennis", "Karen", "Bjarne", "Jean", "Linus", "Adele", "Fernando", "Hedy",
         "Tim", "Mary", "Vint", "Lynn", "Butler", "Carla", "Edgar", "Kathleen", "Peter"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus",
        "Perlman", "Thompson", "Hamilton", "Hoare", "Goldwasser", "Lamport", "Ñúñez", "Wirth",
        "Wilson", "van Rossum", "Borg", "Ritchie", "Spärck Jones", "Stroustrup", "Sammet",
        "Torvalds", "Goldberg", "Corbató", "Lamarr", "Berners-Lee", "Keller", "Cerf", "Conway",
        "Lampson", "Meinel", "Codd", "Booth", "Naur"]


def _submissions(assignment: Assignment, n: int,
                 variants: int | None = None) -> list[tuple[str, dict[str, bytes], Expect]]:
    """(how, files, expect) for at least 19 students (+ the variants): every broken variant
    once (or `variants` of them, spread over the sorted list), references in every
    wrapping, stubs, and the junk a real class hands in (cheap to grade: it fails at
    import), then more references and stubs up to n."""
    from conftest import declared_failures   # tests/conftest.py
    module = assignment.files[0]
    ref = (assignment.reference_dir / module).read_bytes()
    stub = (assignment.folder / module).read_bytes()
    first_def = ref.index(b"def ")
    out: list[tuple[str, dict[str, bytes], Expect]] = []
    paths = sorted((BROKEN / assignment.slug).glob("*.py"))
    if variants is not None:
        paths = paths[::max(1, -(-len(paths) // max(1, variants)))][:variants]
    for path in paths:
        out.append(("broken", {module: path.read_bytes()},
                    Expect("broken", fails=declared_failures(path))))
    out += [
        ("reference", {module: ref}, Expect("reference", full=True)),
        # The student's file under another name, one folder down, in a zip, in a zip in a zip,
        # beside an old version of itself.
        ("renamed", {"my_" + module: ref}, Expect("reference", full=True)),
        ("one-down", {"hw/" + module: ref, "hw/.DS_Store": b"\0\0", "__MACOSX/._x": b"x"},
         Expect("reference", full=True)),
        ("zip", {"submission.zip": _zip_bytes({"src/" + module: ref})},
         Expect("reference", full=True)),
        ("nested-zip", {"outer.zip": _zip_bytes({"inner.zip": _zip_bytes({module: ref})})},
         Expect("reference", full=True)),
        ("with-old", {module: ref, "old_" + module: stub}, Expect("reference", full=True)),
        ("stub", {module: stub}, Expect("stub")),
        ("stub", {module: stub}, Expect("stub")),
        # Junk a real class hands in: each scores 0 (or what it earns) with a reason.
        ("syntax", {module: ref.replace(b"def ", b"def def ", 1)},
         Expect("syntax", zero=True, says="syntax")),
        ("indentation", {module: ref[:first_def] + b"  x = 1\n" + ref[first_def:]},
         Expect("indentation", zero=True, says="indent")),
        # Saved as Latin-1: Python forgives bad bytes in a comment, not in a string.
        ("non-utf8", {module: ref + b'\nAUTHOR = "Zo\xeb N\xfa\xf1ez"\n'},
         Expect("non-utf8", zero=True, says="utf-8")),
        ("empty", {}, Expect("empty", zero=True, says="missing")),
        ("empty-file", {module: b""}, Expect("empty-file", zero=True)),
        ("missing", {module: b"def something_else():\n    return 42\n"}, Expect("missing", zero=True)),
        ("exit-at-import", {module: b"import sys\nsys.exit(0)\n" + ref},
         Expect("exit-at-import", zero=True, says="exit")),
        ("bad-import", {module: b"import numpyy\n" + ref},
         Expect("bad-import", zero=True, says="numpyy")),
        ("notebook", {module.replace(".py", ".ipynb"): b'{"cells": []}'},
         Expect("notebook", zero=True, says="missing")),
        ("corrupt-zip", {"submission.zip": b"PK\x03\x04 this is not really a zip"},
         Expect("corrupt-zip", zero=True, status="error", says="zip")),
    ]
    # Half a solution: the first function only.
    second_def = ref.index(b"\ndef ", first_def + 4)
    out.append(("half", {module: ref[:second_def + 1]}, Expect("half", partial=True)))
    while len(out) < n:
        kind = "stub" if len(out) % 3 == 0 else "reference"
        out.append((kind, {module: stub if kind == "stub" else ref},
                    Expect(kind, full=kind == "reference")))
    return out


def moodle_download(assignment: Assignment, dest: Path, n: int = 30,
                    variants: int | None = None) -> tuple[Path, dict[str, Expect]]:
    """A Moodle 'Download all submissions' zip (folders per student) of n students (more
    when every kind needs more), with `variants` broken variants (None: all)."""
    expect: dict[str, Expect] = {}
    files: dict[str, bytes] = {}
    for i, (_how, subfiles, e) in enumerate(_submissions(assignment, n, variants)):
        name = f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}"
        participant = str(4100 + 7 * i)
        folder = f"{name}_{participant}_assignsubmission_file_"
        e.name, e.lms_id = name, participant
        expect[participant] = e
        if not subfiles:
            files[folder + "/"] = b""           # an empty folder
        for rel, data in subfiles.items():
            files[f"{folder}/{rel}"] = data
    files["__MACOSX/._stray"] = b"junk"
    files[".DS_Store"] = b"\0\0"
    files["index.html"] = b"<html>not a submission</html>"
    path = dest / "moodle-download.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            if name.endswith("/"):
                z.writestr(zipfile.ZipInfo(name), b"")
            else:
                z.writestr(name, data)
    return path, expect


def canvas_download(assignment: Assignment, dest: Path) -> tuple[Path, dict[str, Expect]]:
    """A Canvas 'Download Submissions' zip: flat files, late ones, a renamed resubmission,
    a zip upload holding a nested zip."""
    module = assignment.files[0]
    ref = (assignment.reference_dir / module).read_bytes()
    stub = (assignment.folder / module).read_bytes()
    stem, ext = module.rsplit(".", 1)
    files = {
        f"lovelaceada_1001_9001_{module}": ref,
        f"turingalan_late_1002_9002_{stem}-1.{ext}": ref,
        f"hoppergrace_1003_9003_{module}": stub,
        "liskovbarbara_1004_9004_submission.zip": _zip_bytes(
            {"inner.zip": _zip_bytes({module: ref}), "__MACOSX/._inner.zip": b"x"}),
    }
    expect = {
        "1001": Expect("reference", "lovelaceada", "1001", full=True),
        "1002": Expect("reference", "turingalan", "1002", full=True),
        "1003": Expect("stub", "hoppergrace", "1003"),
        "1004": Expect("reference", "liskovbarbara", "1004", full=True),
    }
    path = dest / "submissions.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path, expect
