"""Golden feedback: every failing message of every broken variant and of every stub,
kept in tests/golden/<slug>/<variant>.txt (the stub's in _stub.txt), so a message never
silently degrades.

tests/test_kit.py compares each grading it already makes against its file
(`check(grade, assignment, label)`); a difference fails with a unified diff.
Regenerate after a deliberate change of a message:

    CK_UPDATE_GOLDEN=1 make test            (or the pytest line for tests/test_kit.py)

then read the diff of tests/golden/ as a review: it is what students will read.

What the files keep, and what they normalise away (a noisy 2-core machine must not
change them; bench/golden_sweep.py proves it):

* kept: the status and points of each failing test, the sentence that says what failed,
  the measured/expected/likely cause lines (their words), the notes' words, that a
  stack is shown and which of the student's own frames (file:function) it names;
* numbers with a decimal point or a unit of time (1.002 s, 0.98x, 12.3ms) -> <n>/<t>, and
  every number in the first line or on a 'measured:' or 'expected:' line (measurements,
  and values computed from a calibration) -> <n>;
  the tokens a stage of assignment 6 returns ('out-' and 8 letters, keyed per test)
  -> 'out-<token>', and assignment 3's keyed tags ('tag-' and 4 letters) -> 'tag-<token>';
  thread names (Thread-11 (consumer) -> Thread-N (consumer), 'stage1-worker2' ->
  'stageN-workerN'), pids (and "process 4242 was killed" -> "process N was killed", without
  how many processes ended that way) and bar lengths ("#####" -> "#"); lists of measured numbers or
  names -> one item and "..." (how many items a drain lost, which workers leaked), and a
  measured list of URLs -> [<URLs>] (they are in the order they came back); a measured
  list of lost outputs -> [<items>], a run of counts "<n>, <n>, <n>" -> "<n>...";
  column padding -> one space; in assignment 4, which strategy run_best was nearest to;
* a stack (a "where:" block, the stacks of a hang, the traceback of a thread that died)
  -> one line "<stack: consumer.py:consumer, consumer.py:process_all>": the sorted
  student frames it names, without line numbers, library frames or the order of threads;
* a timing note that depends on the machine (inconclusive verdicts, retried attempts,
  the CPUs available, how many rounds a verdict took, a borderline flag) -> dropped,
  as are duplicate lines "thread ... died with ..."
  after the first of a kind (how many threads die before the test gives up varies).
"""
from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
UPDATE_ENV = "CK_UPDATE_GOLDEN"

# --------------------------------------------------------------- normalising

_FRAME = re.compile(r"^(\s*)(\S+?):(\d+) in (\S+?)\(\)(  \((library|the grader's test code)\))?$")
_HEADER = re.compile(r"^(\s*)(main thread \(the test\)|your function \(the test's main thread\)"
                     r"|thread .+):$")
_HIDDEN_FRAME = re.compile(r"^(\s*)\(a hidden test: its code is not shown\)")
_MORE = re.compile(r"^\s*\.\.\. and \d+ more threads?$")
_DIED = re.compile(r"^(\s*)thread '.*' died with ")

# Notes whose presence depends on the machine's load, not on the submission.
_VOLATILE_NOTES = (
    re.compile(r"^attempt \d+:"),
    re.compile(r"this machine can run only"),
    re.compile(r"^This machine has .* CPU"),
    re.compile(r"^borderline: measured"),          # a pass on the benefit of the doubt
    re.compile(r"^timed in \d+ interleaved round"),  # how many rounds the answer took
)


def _collapse_stacks(lines: list[str]) -> list[str]:
    """Replace every stack block by one line naming the student's frames it holds."""
    out: list[str] = []
    block: list[str] | None = None     # student frames of the current block
    indent = ""
    frame_indent: int | None = None    # indentation of the last frame line (for its code)

    def close():
        nonlocal block, frame_indent
        if block is not None:
            names = ", ".join(sorted(set(block))) or "no frame of yours"
            out.append(f"{indent}<stack: {names}>")
        block, frame_indent = None, None

    for line in lines:
        frame = _FRAME.match(line) or _HIDDEN_FRAME.match(line)
        header = _HEADER.match(line)
        if frame or header or (block is not None and _MORE.match(line)):
            if block is None:
                block, indent = [], (frame or header).group(1) if (frame or header) else ""
            if frame:
                frame_indent = len(frame.group(1))
                if frame.re is _FRAME and not frame.group(5):     # no "(library)" tag: the student's file
                    block.append(f"{Path(frame.group(2)).name}:{frame.group(4)}")
            else:
                frame_indent = None
            continue
        if block is not None and frame_indent is not None and line.strip() and \
                len(line) - len(line.lstrip()) > frame_indent:
            frame_indent = None                    # the code line under a frame
            continue
        close()
        out.append(line)
    close()
    return out


_FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e-?\d+)?")
_TIME = re.compile(r"<n> ?(?:ms|s)\b|(?<![\w.<])\d+ ?ms\b")
_INT = re.compile(r"(?<![\w.<])-?\d+(?![\w.]*>)")


def _numbers(text: str, *, ints: bool) -> str:
    text = re.sub(r"\b(out|boom)-[a-z]{8}\b", r"\1-<token>", text)   # keyed per test (A6)
    text = re.sub(r"\btag-[a-z]{4}\b", "tag-<token>", text)            # keyed per test (A3)
    text = re.sub(r"Thread-\d+", "Thread-N", text)
    text = re.sub(r"thread '([^']*)'", lambda m: "thread '" + re.sub(r"\d+", "N", m.group(1)) + "'",
                  text)
    text = re.sub(r"ThreadPoolExecutor-\d+_\d+", "ThreadPoolExecutor-N_N", text)
    text = re.sub(r"ForkProcess-\d+|SpawnProcess-\d+|ForkServerProcess-\d+",
                  lambda m: m.group(0).split("-")[0] + "-N", text)
    text = re.sub(r"\bpids? \d+", "pid N", text)
    text = re.sub(r"\bprocess \d+ (was killed|exited)", r"process N \1", text)   # exits.py
    text = re.sub(r" \(\d+ processes ended this way\)", "", text)     # how many: a race
    text = re.sub(r"PIDs seen: \[[^\]]*\]", "PIDs seen: [...]", text)
    text = re.sub(r"the grader is \d+", "the grader is N", text)
    text = re.sub(r"#+", "#", text)
    text = _FLOAT.sub("<n>", text)
    text = _TIME.sub("<t>", text)
    if ints:
        text = _INT.sub("<n>", text)
    return text


def _tidy(line: str, *, measured: bool) -> str:
    """What varies in a line beyond its numbers: column padding, how many items a list of
    measured things holds, which of several names a measurement found."""
    indent = line[:len(line) - len(line.lstrip())]
    line = indent + re.sub(r" {2,}", " ", line.strip())
    line = re.sub(r"\[(?:<n>|<t>)(?:, (?:<n>|<t>))*\]", "[<n>...]", line)
    line = re.sub(r"(<t>)(?:, <t>)+", r"\1...", line)
    if line.lstrip().startswith("measured:"):
        # a measured list of URLs is in the order they came back: that order is noise
        line = re.sub(r"\['[^']*://[^']*'(?:\.\.\.)?(?:, '[^']*'(?:\.\.\.)?)*\]", "[<URLs>]", line)
    if measured:
        # how many items a run lost varies: a list of lost outputs, a run of counts
        line = re.sub(r'\["[^"]*"(?:, "[^"]*")*\]', "[<items>]", line)
        line = re.sub(r"<n>(?:, <n>)+", "<n>...", line)
        line = re.sub(r"'([^']*)'", lambda m: "'" + re.sub(r"\d+", "N", m.group(1)) + "'", line)
        line = re.sub(r"('[^']*'(?: \(daemon\))?)(?:, \1)*(?=$|[;,.]|\s)", r"\1...", line)
        line = re.sub(r"(pid N \([^)]*\))(?:, \1)*", r"\1...", line)
    # assignment 4: the strategy run_best was nearest to, when it lost to the best one
    line = re.sub(r"as slowly as the [^:]+:", "as slowly as one of the strategies:", line)
    return line


def _message(message: str) -> list[str]:
    lines = _collapse_stacks(message.rstrip().splitlines())
    out: list[str] = []
    died_seen: set[str] = set()
    skip_stack = False
    measured = True                    # the headline says what was measured, too
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("measured:", "expected:", "likely cause:", "where",
                                "in the lesson:")):
            # measured and expected values hold numbers the grading computed (a result
            # that depends on a calibration, the size of a sample): only the words stay
            measured = stripped.startswith(("measured:", "expected:"))
        line = _tidy(_numbers(line, ints=measured), measured=measured)
        died = _DIED.match(line)
        if died:
            line = re.sub(r"(died with \w+): .*", r"\1: <value>", line)
            if line in died_seen:
                skip_stack = True
                continue
            died_seen.add(line)
        elif skip_stack and line.lstrip().startswith("<stack:"):
            continue                   # the stack of a skipped duplicate
        skip_stack = False
        out.append(line.rstrip())
    return out


def _notes(notes: list[str]) -> list[str]:
    out = []
    for note in notes:
        if any(p.search(note) for p in _VOLATILE_NOTES):
            continue
        for line in _collapse_stacks(note.rstrip().splitlines()):
            line = _tidy(_numbers(line, ints=False), measured=False)
            if re.match(r"^\s*\S.*: median <t> \[.*\]$", line):
                line = re.sub(r"\[.*\]", "[...]", line)   # how many runs: the attempts vary
            out.append(line.rstrip())
    return out


def _measurement(m: dict) -> str:
    value = _numbers(str(m.get("value")), ints=True)
    text = f"{m['label']}: {value}"
    if m.get("expected") is not None:
        text += f" (expected {m['expected']})"
    return text


def render(grade, title: str) -> str:
    """The golden text of one grading: its failing tests, normalised."""
    failing = [r for r in grade.tests if not r.passed]
    lost = sum(r.max_score for r in failing)
    lines = [f"# {title}",
             f"# fails {len(failing)} test(s), loses {lost:g} of {grade.max_score:g} points",
             f"# regenerate: {UPDATE_ENV}=1 (tests/golden/__init__.py says what is normalised)"]
    for r in failing:
        nodeid = r.info.nodeid.split("/")[-1]
        lines += ["", f"== {nodeid}  ({r.max_score:g} pt, {r.status})"]
        lines += _message(r.message) or ["(no message)"]
        notes = _notes(r.notes)
        if notes:
            lines.append("notes:")
            lines += ["  " + n if n else "" for n in notes]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ comparing

def path_for(assignment, label: str) -> Path:
    return HERE / assignment.slug / f"{label}.txt"


def label_of(assignment, path) -> str:
    """'_stub' for the assignment's own folder, else the broken variant's stem."""
    path = Path(path)
    return "_stub" if path.resolve() == assignment.folder.resolve() else path.stem


def title_of(assignment, path) -> str:
    path = Path(path)
    if label_of(assignment, path) == "_stub":
        return f"{assignment.slug}: the stub ({', '.join(assignment.files)})"
    return f"{assignment.slug}: broken variant tests/broken/{assignment.slug}/{path.name}"


def mismatch(grade, assignment, path) -> str | None:
    """None if the grading's golden text equals its file; else a unified diff and how to
    update. With CK_UPDATE_GOLDEN=1 set, writes the file instead and returns None."""
    label = label_of(assignment, path)
    want_file = path_for(assignment, label)
    got = render(grade, title_of(assignment, path))
    if os.environ.get(UPDATE_ENV):
        want_file.parent.mkdir(parents=True, exist_ok=True)
        if not want_file.exists() or want_file.read_text() != got:
            want_file.write_text(got)
        return None
    want = want_file.read_text() if want_file.exists() else ""
    if want == got:
        return None
    rel = want_file.relative_to(HERE.parent.parent)
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        fromfile=f"{rel} (golden)", tofile="this grading"))
    return (f"The feedback of {title_of(assignment, path)} differs from its golden file "
            f"{rel}" + (" (missing)" if not want else "") + ".\n"
            f"If the change is deliberate, regenerate with {UPDATE_ENV}=1 and review the diff "
            f"of tests/golden/ as a student would read it.\n{diff}")


# ------------------------------------------------------------- what every failure says

def structure_problems(message: str) -> list[str]:
    """What a failing test's message lacks of the four things every failure must say:
    what was measured (a 'measured:' line, or the stacks of a hang), what was expected,
    and the likely cause. [] when it says them all."""
    lines = [ln.strip() for ln in message.splitlines()]
    has = {label: any(ln.startswith(label) for ln in lines)
           for label in ("measured:", "expected:", "likely cause:", "where")}
    missing = []
    if not lines or not lines[0]:
        missing.append("a first line saying what failed")
    if not has["measured:"] and not has["where"]:
        missing.append("what was measured ('measured:', or where it hangs)")
    if not has["expected:"]:
        missing.append("what was expected ('expected:')")
    if not has["likely cause:"]:
        missing.append("the likely cause ('likely cause:')")
    else:
        cause = next(ln for ln in lines if ln.startswith("likely cause:"))
        if len(cause.split()) < 6:
            missing.append("a likely cause of a sentence, not a few words")
    return missing
