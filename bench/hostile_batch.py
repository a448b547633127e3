"""A batch of 100 submissions of assignment 1 mixing every hostile case with references,
broken variants and a stub. A script, not a test (it takes minutes):

    make bench-hostile      (or: .venv/bin/python bench/hostile_batch.py [--n 100] [--jobs 2])

Every hostile case this machine can contain (tests/hostile/01_fix_the_consumer, a zip
slip, a zip bomb) several times over, every broken variant, references and one stub, as a
plain download of N students. Grades it with `batch.run` and checks that every student got
a row, that each hostile copy got the score and message its docstring names, that
references got full marks and broken variants lost exactly their tests, and that nothing
any of them started is still running. Prints the wall time and the mismatches; exit status
1 if there is any.
"""
from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
import psutil  # noqa: E402

from autograder.instructor import batch  # noqa: E402
from conftest import declared_failures  # noqa: E402
from flows.hostile_cases import (A1, A1_LOW_MEMORY, BROKEN, CASES, add_case, field, misjudged,  # noqa: E402
                                 missing_layer, row_for, zip_bomb, zip_slip)


def build_inbox(inbox: Path, outside: Path, n: int) -> tuple[dict, list, list]:
    """At least n submissions: every broken variant, the stub, then rounds of every
    hostile case, a zip slip, a zip bomb and three references. Returns what each entry
    must get, the cases used and the cases this machine's jail cannot contain."""
    expect: dict[str, tuple[str, object]] = {}   # entry -> (kind, what it must get)
    cases = [(n_, p, t) for n_, (p, t) in CASES.items() if not missing_layer(field(t, "Needs"))]
    skipped = sorted(set(CASES) - {n_ for n_, _, _ in cases})
    for b in sorted(BROKEN.glob("*.py")):
        name = f"broken-{b.stem.replace('_', '-')}"
        shutil.copyfile(b, inbox / f"{name}.py")
        expect[name] = ("broken", declared_failures(b))
    shutil.copyfile(A1.folder / "consumer.py", inbox / "stub.py")
    expect["stub"] = ("stub", None)
    for copy in itertools.count(1):
        if len(expect) >= n:
            break
        for name, path, text in cases:
            entry = f"{name}-{copy}"
            add_case(inbox, name, path, as_name=entry)
            expect[entry] = ("hostile", text)
        zip_slip(inbox, outside, f"zip-slip-{copy}")
        expect[f"zip-slip-{copy}"] = ("hostile", "Scores: 4\n")
        zip_bomb(inbox, f"zip-bomb-{copy}")
        expect[f"zip-bomb-{copy}"] = ("error", "unpacks to more than")
        for r in range(3):
            shutil.copyfile(A1.reference_dir / "consumer.py", inbox / f"reference-{copy}-{r}.py")
            expect[f"reference-{copy}-{r}"] = ("reference", None)
    return expect, cases, skipped


def misgraded(entry: str, kind: str, want, row, result) -> list[str]:
    """What is wrong with one row, given what its entry must get."""
    feedback_file = result.out / row.student.id / "feedback.txt"
    feedback = feedback_file.read_text() if feedback_file.exists() else row.message
    got = f"{row.score:g}/{row.max_score:g} {row.status}"
    if kind == "hostile":
        problems = misjudged(want, row.score, feedback)
        if row.status != "graded":
            problems.insert(0, f"status {row.status}")
        return [f"{entry}: {got}: {problem}" for problem in problems]
    if kind == "error" and (row.status != "error" or want not in row.message):
        return [f"{entry}: {got} {row.message}"]
    if kind == "reference" and row.score != A1.points:
        return [f"{entry}: {got}, must earn full marks"]
    if kind == "broken":
        failed = {t["nodeid"].split("::")[-1] for t in row.tests if t["status"] != "passed"}
        if failed != want:
            return [f"{entry}: failed {sorted(failed)}, must fail {sorted(want)}"]
    if kind == "stub" and not 0 < row.score < A1.points:
        return [f"{entry}: {got}"]
    return []


def leftovers(outside: Path) -> list[str]:
    left = [p.pid for p in psutil.process_iter(["cmdline", "name"])
            if p.info["name"] == "ck-hostile-bomb"
            or "ck-hostile-daemon" in " ".join(p.info["cmdline"] or [])]
    wrong = [f"processes left running: {left}"] if left else []
    if list(outside.iterdir()):
        wrong.append(f"the zip slip wrote outside: {list(outside.iterdir())}")
    return wrong


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=batch.default_jobs())
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ck-hostile-batch-") as tmp:
        inbox, outside = Path(tmp) / "inbox", Path(tmp) / "outside"
        inbox.mkdir()
        outside.mkdir()
        expect, cases, skipped = build_inbox(inbox, outside, opts.n)
        print(f"{len(expect)} submissions of assignment {A1.number}: {len(cases)} hostile cases "
              f"x {sum(1 for k in expect.values() if k[0] == 'hostile') // max(len(cases), 1)}, "
              f"zip slips, zip bombs, {len(list(BROKEN.glob('*.py')))} broken variants, "
              f"references, a stub; --jobs {opts.jobs}")
        if skipped:
            print(f"left out (this machine's jail cannot contain them): {', '.join(skipped)}")
        started = time.monotonic()
        result = batch.run(A1_LOW_MEMORY, inbox, Path(tmp) / "out", jobs=opts.jobs,
                           progress=True)
        wall = time.monotonic() - started
        rows = {r.student.id: r for r in result.rows}
        wrong = []
        for entry, (kind, want) in sorted(expect.items()):
            row = row_for(rows, entry)
            wrong += [f"{entry}: no row"] if row is None else misgraded(entry, kind, want, row, result)
        wrong += leftovers(outside)
        print(f"\n{len(result.rows)} rows for {len(expect)} submissions in {wall:.0f} s "
              f"({wall / len(expect):.1f} s each, --jobs {opts.jobs})")
        print(f"mismatches: {len(wrong)}")
        for line in wrong:
            print("  " + line)
        return 1 if wrong or len(result.rows) != len(expect) else 0


if __name__ == "__main__":
    sys.exit(main())
