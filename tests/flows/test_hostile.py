"""Hostile submissions (tests/hostile/01_fix_the_consumer), graded for real in one batch
beside the reference and broken variants: each gets the score its docstring names and
says what it names in its feedback; the others are graded exactly as on their own; and
nothing any of them started is left running.

What a case's docstring holds (Scores, Says, Flagged, Needs): flows/hostile_cases.py.
"""
from __future__ import annotations

import shutil

import psutil
import pytest

from autograder import jail, manifest, paths
from autograder.instructor import batch
from conftest import declared_failures
from flows.hostile_cases import (A1, A1_LOW_MEMORY, CASES, build, doc, entry_source,
                                 misjudged, row_for)

# The batch below (about forty submissions that hang, bomb and fork, graded two at a time)
# is built in the first test's setup: about three minutes on a quiet machine, more when the
# machine is busy, so that test gets more than pytest-timeout's 300 s default.
# The first test grades the whole hostile batch (41 submissions, bombs and hangs among
# them, each cut at its budget): 900 s was not enough beside a 2-grading sweep under
# stress-ng. A safety net against a hang, not a speed target (bench/hostile_batch.py).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile"), pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    inbox = build(tmp_path_factory.mktemp("hostile"))
    result = batch.run(A1_LOW_MEMORY, inbox.path, inbox.path.parent / "out", jobs=2,
                       progress=False)
    rows = {r.student.id: r for r in result.rows}
    return result, rows, inbox


def _row(rows, name):
    row = row_for(rows, name)
    assert row is not None, f"no row for {name}: rows are {sorted(rows)}"
    return row


def _feedback(result, row) -> str:
    return (result.out / row.student.id / "feedback.txt").read_text(encoding="utf-8")


def test_every_submission_gets_a_row(hostile_batch):
    result, rows, inbox = hostile_batch
    assert len(result.rows) == len(inbox.entries), (sorted(rows), inbox.entries)
    assert not result.unmatched


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_submission_gets_its_score_and_a_clear_message(hostile_batch, name):
    result, rows, inbox = hostile_batch
    if name in inbox.skipped:
        pytest.skip(inbox.skipped[name])
    _, text = CASES[name]
    row = _row(rows, name)
    feedback = _feedback(result, row)
    where = f"{name}: {row.score}/{row.max_score} {row.status}\n{feedback[:3000]}"
    assert row.status == "graded", where
    assert misjudged(text, row.score, feedback) == [], where


def test_the_others_in_the_same_batch_are_graded_as_on_their_own(hostile_batch):
    result, rows, inbox = hostile_batch
    reference = _row(rows, "reference")
    assert reference.score == A1.points, _feedback(result, reference)
    for b in inbox.broken:
        row = _row(rows, f"broken-{b.stem.replace('_', '-')}")
        failed = {t["nodeid"].split("::")[-1] for t in row.tests if t["status"] != "passed"}
        assert failed == declared_failures(b), (b.name, _feedback(result, row))


def test_a_zip_that_climbs_out_writes_nothing_outside(hostile_batch):
    result, rows, inbox = hostile_batch
    row = _row(rows, "zip-slip")
    assert row.status == "graded" and row.score == 1, _feedback(result, row)
    assert list(inbox.outside.iterdir()) == []
    assert not list(result.out.rglob("slip-*.py"))


def test_a_zip_bomb_is_refused_with_the_reason(hostile_batch):
    result, rows, inbox = hostile_batch
    row = _row(rows, "zip-bomb")
    assert row.status == "error" and row.score == 0
    assert "unpacks to more than" in row.message


def test_fake_results_never_reach_the_grades(hostile_batch):
    result, rows, inbox = hostile_batch
    for path in result.out.rglob("*"):
        if path.is_file():
            assert b"FAKE RESULTS" not in path.read_bytes(), path


def test_no_escape_sequence_of_a_submission_reaches_any_file(hostile_batch):
    """Messages, printed output and file names pass through textsafe.clean: not one ESC
    byte (nor a bidirectional override) in any file the batch wrote."""
    result, rows, inbox = hostile_batch
    for path in result.out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"\x1b" not in data and "\u202e".encode() not in data, path
    row = _row(rows, "escape-sequences")
    assert "\\x1b[2J" in _feedback(result, row)


def test_nothing_a_submission_started_is_left_running(hostile_batch):
    """The daemon (double fork, setsid) and the fork bomb's children mark themselves."""
    left = []
    for p in psutil.process_iter(["cmdline", "name"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
        except psutil.Error:
            continue
        if "ck-hostile-daemon" in cmd or p.info["name"] == "ck-hostile-bomb":
            left.append((p.pid, p.info["name"], cmd[:80]))
    assert left == []


def test_the_grading_says_which_sandbox_layers_were_on(hostile_batch):
    """In summary.txt, for the instructor; not in the feedback.txt a student receives."""
    result, rows, inbox = hostile_batch
    assert "Sandbox the tests ran in" not in _feedback(result, _row(rows, "reference"))
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    assert "sandbox the tests ran in" in text
    caps = jail.capabilities()
    assert ("filesystem  on" in text) == bool(caps["bwrap"]), text
    assert ("user        on" in text) == bool(caps["setpriv"]), text
    if jail.is_root() and shutil.which("bwrap"):
        assert caps["bwrap"] and caps["setpriv"], caps  # `make setup` installs bubblewrap


OTHERS = sorted(p for p in paths.HOSTILE.glob("*/*.py")
                if p.parent.name != A1.folder.name)


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_hostile_submissions_of_other_assignments(path, graded, tmp_path):
    assignment = next(a for a in manifest.load() if a.folder.name == path.parent.name)
    wants = doc(path)
    entry = tmp_path / assignment.files[0]
    entry.write_bytes(entry_source(assignment, path))
    grade = graded(assignment, entry)
    text = "\n".join(grade.notes + [r.message for r in grade.tests])
    assert misjudged(wants, grade.score, text) == [], text
