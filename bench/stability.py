"""Are the verdicts stable on a busy 2-core machine? A script, not a test.

    make stability                          (or: .venv/bin/python bench/stability.py)
    .venv/bin/python bench/stability.py --runs 50 --assignments 2 3 --load python
    .venv/bin/python bench/stability.py --subjects all --load heavy --runs 20 --jobs 2 \
        --record bench/results/stability-all.jsonl

Grades each subject --runs times, round-robin, under load, and prints for each how many
verdicts changed from run to run, how many runs disagreed with what it must get, and how
many borderline verdicts changed without being flagged. The goal is zero in all three.

Subjects (--subjects): `timing` (default) is each assignment's reference and its sequential
variants (tests/broken/<slug>/*sequential*.py, single_worker.py, one_worker.py); `all` is
every reference, stub, broken variant and design (tests/designs/<slug>/). What each must
get: full marks for a reference; exactly the tests its `Fails:` names for a variant; its
`Scores:` for a design, whose `Borderline:` tests may change only when the pass is flagged
(a borderline pass says so to the instructor); a stub only the same verdicts every time.

Load (--load): `auto` keeps one core busy (`stress-ng --cpu 1` when installable, else a
Python busy loop); `heavy` adds disk I/O (`stress-ng --hdd 1`) and a second grading of
another checkout (a clone of this one, grading its references over and over).

Gradings (--jobs N) run N at once: the machine lock still gives each timed test the
machine to itself, so only untimed tests overlap. --record FILE appends one JSON line per
grading (the commit, the subject, the run, every test's verdict and flag) and resumes
from it: a sweep of hours can be stopped and started again, and the report covers every
grading in the file of this commit or of one that grades its assignment alike (the same
engine, and the same tests, references and subjects of that assignment: GRADING, so a
change to assignment 4 leaves the others' gradings standing); the others are left out,
and counted.
Exit status 1 when any verdict changed, disagreed or went unflagged.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import manifest, paths, runner  # noqa: E402
from clock import Clock  # noqa: E402  (bench/clock.py: where each grading's time goes)
from autograder.instructor.readtests import (  # noqa: E402
    declared_borderline, declared_failures, function_of, scored_as_declared)

BROKEN = paths.BROKEN
PATTERNS = ("*sequential*.py", "single_worker.py", "one_worker.py")


def start_load(kind: str) -> tuple[list[subprocess.Popen], str]:
    """Start the load; returns its processes and what it is."""
    if kind == "heavy":
        procs, what = start_load("stress-ng")
        procs.append(subprocess.Popen(["stress-ng", "--hdd", "1", "--hdd-bytes", "64M",
                                       "--timeout", "0", "--quiet"], start_new_session=True))
        procs.append(second_checkout())
        return procs, what + " + stress-ng --hdd 1 + another checkout grading alongside"
    proc, what = _one_core(kind)
    return ([proc] if proc else []), what


def second_checkout() -> subprocess.Popen:
    """Another checkout of the kit (a clone of HEAD), grading its references in a loop;
    each grading's exit status goes to its neighbour.log (neighbour_gradings reads it)."""
    root = neighbour_root()
    here = Path(__file__).resolve().parent.parent
    if not (root / ".venv" / "bin" / "python").exists():
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(here), str(root)], check=True)
        subprocess.run(["make", "--no-print-directory", "setup"], cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    (root / "neighbour.log").unlink(missing_ok=True)
    refs = " ".join(f"{a.number}:reference/{a.slug}" for a in manifest.load())
    loop = (f"while true; do for r in {refs}; do .venv/bin/python -m autograder grade "
            '"${r%%:*}" "${r#*:}" >/dev/null 2>&1; echo "$r $?" >> neighbour.log; done; done')
    return subprocess.Popen(["sh", "-c", loop], cwd=root, start_new_session=True)


def neighbour_root() -> Path:
    return Path("/work/scratch/stability-neighbour") if Path("/work/scratch").is_dir() \
        else Path(tempfile.gettempdir()) / "ck-stability-neighbour"


def neighbour_gradings() -> str | None:
    """What the other checkout graded meanwhile ("N gradings, M not full marks"), or None."""
    log = neighbour_root() / "neighbour.log"
    if not log.exists():
        return None
    codes = [line.split()[-1] for line in log.read_text().splitlines() if line.strip()]
    return f"{len(codes)} gradings by the other checkout, {sum(c != '0' for c in codes)} " \
           "of them could not grade (exit status not 0)"


def _one_core(kind: str) -> tuple[subprocess.Popen | None, str]:
    """Keep one core busy; returns the process and what it is."""
    if kind == "none":
        return None, "no load"
    if kind in ("auto", "stress-ng") and not shutil.which("stress-ng") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "stress-ng"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kind in ("auto", "stress-ng") and shutil.which("stress-ng"):
        return subprocess.Popen(["stress-ng", "--cpu", "1", "--timeout", "0", "--quiet"],
                                start_new_session=True), "stress-ng --cpu 1 --timeout 0"
    if kind == "stress-ng":
        sys.exit("stress-ng is not installed and could not be installed")
    return (subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True),
            "a Python busy loop on one core")


def stop_load(procs: list[subprocess.Popen]) -> None:
    """Stop what start_load started: each one's whole session (stress-ng's workers too)."""
    for proc in procs:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


@dataclasses.dataclass
class Subject:
    assignment: object
    label: str
    path: Path
    kind: str                          # reference, stub, broken, design
    fails: set[str] = dataclasses.field(default_factory=set)

    def problem(self, grade) -> str | None:
        """Why this grading is not what the subject must get (None: it is)."""
        failed = {r.info.nodeid.split("::")[-1] for r in grade.tests if not r.passed}
        if self.kind == "design":
            return scored_as_declared(grade, self.path)
        if self.kind == "stub" or failed == self.fails:
            return None
        return f"failed {sorted(failed - self.fails)}, passed {sorted(self.fails - failed)}"


def subjects(assignment, patterns, everything: bool) -> list[Subject]:
    out = [Subject(assignment, "reference", assignment.reference_dir, "reference")]
    if everything:
        out.append(Subject(assignment, "stub", assignment.folder, "stub"))
        patterns = ("*.py",)
    seen = set()
    for pattern in patterns:
        for path in sorted((BROKEN / assignment.slug).glob(pattern)):
            if path not in seen:
                seen.add(path)
                out.append(Subject(assignment, path.stem, path, "broken",
                                   declared_failures(path) or set()))
    if everything:
        out += [Subject(assignment, f"design {p.stem}", p, "design")
                for p in sorted(assignment.designs_dir.glob("*.py"))]
    return out


def _unflagged(subject: Subject, grade) -> list[str]:
    """A design's borderline tests that passed without a flag: a silent coin toss."""
    if subject.kind != "design":
        return []
    loose = declared_borderline(subject.path)
    return [r.info.nodeid.split("::")[-1] for r in grade.tests
            if function_of(r.info.nodeid) in loose and r.passed and not r.flags]


def _empty() -> dict:
    return {"verdicts": collections.defaultdict(lambda: collections.defaultdict(list)),
            "flagged": collections.defaultdict(set), "scores": collections.defaultdict(list),
            "disagreed": collections.Counter(), "unflagged": collections.defaultdict(set),
            "done": set(), "other_commits": 0}


def key(subject: Subject) -> str:
    return f"{subject.assignment.slug}/{subject.label}"


def record_of(subject: Subject, run: int, grade, commit: str, clock: Clock | None = None) -> dict:
    """One grading as a JSON line: what the report needs, and enough to read it again."""
    return {"clock": clock.tests if clock is not None else {},
            "commit": commit, "subject": key(subject), "run": run, "score": grade.score,
            "seconds": round(grade.duration, 2), "problem": subject.problem(grade),
            "tests": {r.info.nodeid.split("::")[-1]: [r.passed, bool(r.flags)]
                      for r in grade.tests},
            "unflagged": _unflagged(subject, grade),
            "why": _why(subject, grade)}


def _why(subject: Subject, grade) -> dict[str, str]:
    """What the tests said when a grading is not what the subject must get: every failed
    test's message and measurements (a sweep of hours is read the next day)."""
    if subject.problem(grade) is None:
        return {}
    return {r.info.nodeid.split("::")[-1]: "\n".join(
                [r.message, *(f"{m['label']}: {m['value']}" for m in r.measurements),
                 *r.notes])[:4000]
            for r in grade.tests if not r.passed}


def take(seen: dict, index: int, rec: dict) -> None:
    """Add one grading's record to `seen` (from this sweep or from --record's file)."""
    seen["done"].add((rec["subject"], rec["run"]))
    seen["scores"][index].append(rec["score"])
    for name, (passed, flagged) in rec["tests"].items():
        seen["verdicts"][index][name].append(passed)
        if flagged:
            seen["flagged"][index].add(name)
    seen["unflagged"][index].update(rec["unflagged"])
    if rec["problem"]:
        seen["disagreed"][index] += 1


# What a verdict depends on: the engine (not its student and instructor rooms), the tests,
# the references and the subjects. Commits that change none of these grade alike; one that
# changes only assignment N's folders (PER_ASSIGNMENT/<slug>/) grades the others alike.
GRADING = ("assignments", "reference", "tests/broken", "tests/designs", "autograder")
NOT_GRADING = ("autograder/instructor", "autograder/student")
PER_ASSIGNMENT = ("assignments/", "reference/", "tests/broken/", "tests/designs/")


def _slug_of(path: str) -> str | None:
    """'tests/broken/04_pick_the_executor/x.py' -> '04_pick_the_executor'; None for a
    file every assignment shares (the engine, assignments/manifest.toml)."""
    for prefix in PER_ASSIGNMENT:
        if path.startswith(prefix) and "/" in path[len(prefix):]:
            return path[len(prefix):].split("/", 1)[0]
    return None


@functools.cache
def _grading_files(commit: str) -> tuple[str, ...] | None:
    """`git ls-tree` of what grades at `commit`, read once per commit (None: a dirty
    tree, or a commit git lacks)."""
    if commit.endswith("-dirty"):
        return None
    out = subprocess.run(["git", "ls-tree", "-r", "--full-tree", commit, "--", *GRADING],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parent)
    if out.returncode != 0:
        return None
    return tuple(line for line in out.stdout.splitlines()
                 if not line.split("\t")[1].startswith(NOT_GRADING))


@functools.cache
def grading_tree(commit: str, slug: str) -> str | None:
    """A digest of what grades assignment `slug` at `commit` (None: see _grading_files)."""
    files = _grading_files(commit)
    if files is None:
        return None
    kept = [line for line in files if _slug_of(line.split("\t")[1]) in (None, slug)]
    return hashlib.sha1("\n".join(kept).encode()).hexdigest()


def same_grading(recorded: str, commit: str, subject: str) -> bool:
    """Did `recorded` grade `subject` ('<slug>/<name>') as `commit` does?"""
    slug = subject.split("/", 1)[0]
    theirs = grading_tree(recorded, slug)
    return recorded == commit or (theirs is not None and theirs == grading_tree(commit, slug))


def resume(plan: list[Subject], record: Path | None, commit: str, seen: dict) -> None:
    """The gradings in `record` of this commit, or of one that grades the subject's
    assignment alike (the same engine, and its tests and subjects: GRADING), count as done."""
    if record is None or not record.exists():
        return
    index = {key(s): i for i, s in enumerate(plan)}
    for line in record.read_text().splitlines():
        rec = json.loads(line)
        if not same_grading(rec["commit"], commit, rec["subject"]):
            seen["other_commits"] += 1
        elif rec["subject"] in index and (rec["subject"], rec["run"]) not in seen["done"]:
            take(seen, index[rec["subject"]], rec)


def sweep(plan: list[Subject], runs: int, seen: dict, *, jobs: int = 1,
          record: Path | None = None, commit: str = "") -> None:
    """Grade every subject `runs` times, round-robin, `jobs` at a time, into `seen` (and
    `record`), skipping what `seen` has; kept when interrupted."""
    started = time.monotonic()
    lock = threading.Lock()
    todo = [(run, i) for run in range(runs) for i, s in enumerate(plan)
            if (key(s), run) not in seen["done"]]

    cancel = threading.Event()

    def grade_one(run: int, i: int) -> None:
        subject = plan[i]
        clock = Clock()
        grade = runner.grade(subject.assignment, subject.path, cancel=cancel, progress=clock)
        if cancel.is_set():
            return                     # cut short: incomplete, not a verdict
        rec = record_of(subject, run, grade, commit, clock)
        with lock:
            take(seen, i, rec)
            if record is not None:
                with record.open("a") as out:
                    out.write(json.dumps(rec) + "\n")
            if rec["problem"]:
                print(f"  run {run + 1}: {rec['subject']} disagreed: {rec['problem']}",
                      flush=True)
            count = len(seen["done"])
            if count % len(plan) == 0:
                print(f"{count} of {runs * len(plan)} gradings done "
                      f"({time.monotonic() - started:.0f} s)", flush=True)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="sweep")
    futures = [pool.submit(grade_one, run, i) for run, i in todo]
    try:
        pending = set(futures)
        while pending:       # polling, so that Ctrl-C and SIGTERM reach this thread
            done, pending = concurrent.futures.wait(pending, timeout=0.5)
            for future in done:
                future.result()
    finally:
        cancel.set()          # interrupted: the gradings under way stop, unrecorded
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True)


def report(plan: list[Subject], seen: dict) -> tuple[int, int, int]:
    print(f"\n{'subject':<58} {'runs':>4} {'scores':>11} {'changed':>7} {'disagreed':>9} "
          f"{'flagged':>7}")
    totals = [0, 0, 0]
    for i, subject in enumerate(plan):
        verdicts = seen["verdicts"][i]
        loose = declared_borderline(subject.path) if subject.kind == "design" else set()
        changed = [n for n, vs in verdicts.items() if len(set(vs)) > 1]
        # A declared-borderline test that changed is fine when flagged; anything else is not.
        bad = [n for n in changed if n.split("[")[0] not in loose or n in seen["unflagged"][i]]
        totals[0] += len(bad)
        totals[1] += seen["disagreed"][i]
        totals[2] += len(seen["unflagged"][i] & set(changed))
        scores = seen["scores"][i]
        if not scores:
            continue
        print(f"{subject.assignment.slug + '/' + subject.label:<58} {len(scores):>4} "
              f"{f'{min(scores):g}..{max(scores):g}':>11} {len(bad):>7} "
              f"{seen['disagreed'][i]:>9} {len(seen['flagged'][i]):>7}")
        for name in changed:
            why = "" if name in bad else " (declared borderline, flagged)"
            print(f"    {name}: passed {sum(verdicts[name])} of {len(verdicts[name])}{why}")
    return totals[0], totals[1], totals[2]


def commit_of(root: Path) -> str:
    """HEAD, with "-dirty" when the tracked files differ from it (a record says so)."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=root).stdout
    return git("rev-parse", "HEAD").strip() + ("-dirty" if git("status", "--porcelain",
                                                                 "--untracked-files=no") else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--assignments", type=int, nargs="*", help="numbers (default: all)")
    ap.add_argument("--load", choices=("auto", "stress-ng", "python", "heavy", "none"),
                    default="auto")
    ap.add_argument("--subjects", choices=("timing", "all"), default="timing")
    ap.add_argument("--variants", nargs="*", default=list(PATTERNS),
                    help=f"globs under tests/broken/<slug>/ with --subjects timing "
                         f"(default: {' '.join(PATTERNS)})")
    ap.add_argument("--jobs", type=int, default=1, help="gradings at once (default 1)")
    ap.add_argument("--record", type=Path, default=None,
                    help="append each grading to this JSON-lines file, and resume from it")
    opts = ap.parse_args()

    chosen = [a for a in manifest.load() if not opts.assignments or a.number in opts.assignments]
    plan = [s for a in chosen for s in subjects(a, opts.variants, opts.subjects == "all")]
    load, what = start_load(opts.load)
    time.sleep(1.0)  # let the load's own workers start before the first grading
    print(f"{len(plan)} subjects x {opts.runs} runs, load: {what}, {os.cpu_count()} CPU(s)\n",
          flush=True)
    started = time.monotonic()
    signal.signal(signal.SIGTERM, signal.default_int_handler)   # a killed sweep reports too
    seen = _empty()
    commit = commit_of(Path(__file__).resolve().parent.parent)
    resume(plan, opts.record, commit, seen)
    if seen["done"]:
        print(f"{len(seen['done'])} gradings of {commit[:9]} (or of commits that grade alike) "
              f"already in {opts.record}; {seen['other_commits']} of other gradings left "
              "out\n", flush=True)
    try:
        sweep(plan, opts.runs, seen, jobs=opts.jobs, record=opts.record, commit=commit)
    except KeyboardInterrupt:
        print("\ninterrupted: the runs so far", flush=True)
    finally:
        stop_load(load)
    changed, disagreed, unflagged = report(plan, seen)
    print(f"\nverdicts that changed: {changed}; runs that disagreed with the expected "
          f"verdicts: {disagreed}; borderline changes not flagged: {unflagged}  "
          f"(commit {commit[:9]}; load: {what}; {opts.jobs} grading(s) at once; "
          f"{time.monotonic() - started:.0f} s)")
    if opts.load == "heavy":
        print(f"alongside: {neighbour_gradings() or 'the other checkout graded nothing'}")
    return 1 if changed or disagreed or unflagged else 0


if __name__ == "__main__":
    sys.exit(main())
