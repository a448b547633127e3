"""The student's loop without grading: progress kept, hints one at a time, reset keeping
the old file, the status table, the check's footer and watch's one screenful."""
from __future__ import annotations

import json
import re
import threading

import pytest

from autograder import manifest, paths, shards, terminal
from autograder.student import check, hints, progress, reset, status, watch
from autograder.scoring import Grade, TestInfo, TestResult

A1 = manifest.get(1)
ANSI = re.compile(r"\033\[[0-9;]*[A-Za-z]")


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    """Progress in a folder of the test's own; never the kit's."""
    monkeypatch.setenv("CK_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


# ------------------------------------------------------------------------- progress

def test_best_and_last_are_kept_apart():
    progress.record_check("x", 5, 18, "a")
    before = progress.record_check("x", 12, 18, "b")
    assert before["best"] == 5 and before["last"] == 5
    progress.record_check("x", 9, 18, "c")
    entry = progress.get("x")
    assert (entry["best"], entry["best_sha"], entry["last"], entry["checks"]) == (12, "b", 9, 3)


def test_a_kit_with_other_visible_points_starts_the_best_again():
    progress.record_check("x", 18, 18, "a")
    progress.record_check("x", 4, 20, "b")
    assert progress.get("x")["best"] == 4 and progress.get("x")["max"] == 20


def test_a_damaged_progress_file_is_set_aside_not_fatal(state):
    state.mkdir(parents=True)
    (state / "progress.json").write_text("{not json")
    progress.record_check("x", 3, 18, None)
    assert progress.get("x")["best"] == 3
    assert (state / "progress.json.damaged").read_text() == "{not json"


def test_concurrent_updates_are_not_lost():
    def bump():
        for _ in range(20):
            progress.update("x", lambda e: e.__setitem__("n", e.get("n", 0) + 1))
    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert progress.get("x")["n"] == 80


# ---------------------------------------------------------------------------- hints

def test_hints_come_one_more_each_time_and_cite_the_lesson():
    total = len(hints.load(A1.folder))
    seen = []
    for _ in range(total + 1):
        text = hints.show(A1)
        seen.append(int(re.match(r"Hint (\d+) of", text).group(1)))
        assert "Read in the lesson" in text and re.search(r"line \d+", text)
    assert seen == list(range(1, total + 1)) + [total]     # the last one stays the last
    assert "That was the last hint" in text
    assert progress.hints_shown(A1.slug) == total


def test_a_hint_may_be_read_again_but_not_skipped_to():
    hints.show(A1)
    hints.show(A1)
    assert hints.show(A1, 1).startswith("Hint 1 of")
    assert progress.hints_shown(A1.slug) == 2                # reading again keeps the count
    with pytest.raises(hints.HintsError, match="read them in order"):
        hints.show(A1, 4)
    with pytest.raises(hints.HintsError, match="hints 1 to"):
        hints.show(A1, 99)


# ---------------------------------------------------------------------------- reset

@pytest.fixture
def own_copy(tmp_path, monkeypatch):
    """Assignment 1's working copy and stub store in a folder of the test's own."""
    work = tmp_path / "work" / "consumer.py"
    work.parent.mkdir()
    stubs = tmp_path / "stubs"
    (stubs / A1.slug).mkdir(parents=True)
    (stubs / A1.slug / "consumer.py").write_bytes((A1.folder / "consumer.py").read_bytes())
    monkeypatch.setattr(check, "working_file", lambda a: work)
    monkeypatch.setattr(paths, "STUBS", stubs)
    monkeypatch.setattr(paths, "SAVED", tmp_path / "saved")
    return work


def test_reset_keeps_the_old_file_aside_and_restores_the_stub(own_copy, tmp_path):
    own_copy.write_text("my attempt\n")
    text = reset.reset(A1)
    assert own_copy.read_bytes() == (A1.folder / "consumer.py").read_bytes()
    kept = list((tmp_path / "saved" / A1.slug).iterdir())
    assert len(kept) == 1 and kept[0].read_text() == "my attempt\n"
    assert kept[0].name in text and "to get it back" in text
    assert reset.file_state(A1) == "stub"
    assert "already the stub" in reset.reset(A1)
    assert len(list((tmp_path / "saved" / A1.slug).iterdir())) == 1   # nothing more kept


def test_reset_twice_in_a_second_keeps_both(own_copy, tmp_path):
    own_copy.write_text("one\n")
    reset.reset(A1)
    own_copy.write_text("two\n")
    reset.reset(A1)
    kept = sorted(p.read_text() for p in (tmp_path / "saved" / A1.slug).iterdir())
    assert kept == ["one\n", "two\n"]


def test_reset_of_a_deleted_file_brings_the_stub_back(own_copy):
    text = reset.reset(A1)
    assert own_copy.exists() and "stub again" in text and "kept" not in text


# --------------------------------------------------------------------------- status

def test_status_lists_every_assignment_with_its_best(own_copy):
    progress.record_check(A1.slug, 18, 18, None)
    progress.record_check(A1.slug, 9, 18, None)
    text = status.status()
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["#", "assignment"]
    for a in manifest.load():
        assert any(a.title in line for line in lines)
    row = next(line for line in lines if A1.title in line)
    assert "18/18" in row and "9/18" in row and "missing" in row
    assert "1 of 7 assignments" in text or f"1 of {len(manifest.load())}" in text


# --------------------------------------------------------------------- check footer

def _grade(a, failing: int, long_message: int = 3) -> Grade:
    tests = []
    for i in range(8):
        info = TestInfo(f"tests/test_visible.py::test_{i}", f"test number {i} " + "x" * 60,
                        2, "visible")
        status = "failed" if i < failing else "passed"
        msg = "\n".join(f"line {k} of what failed " + "y" * 150 for k in range(long_message))
        tests.append(TestResult(info, status, msg,
                                measurements=[{"label": "thing", "value": 3, "expected": "4"}]))
    return Grade(assignment=a.number, title=a.title, tests=tests, notes=[], visibility="visible")


def test_footer_says_points_so_far_and_what_hidden_tests_exist():
    lines = check.footer(A1, _grade(A1, 2), {})
    text = "\n".join(lines)
    hidden = [t for t in check.runner.expected_tests(A1) if t.visibility != "visible"]
    m = re.search(r"Hidden tests: (\d+) more tests worth (\S+) points", text)
    assert m and int(m.group(1)) == len(hidden)
    assert float(m.group(2)) == sum(t.points for t in hidden)
    assert "make hint ASSIGNMENT=1" in text
    source = (A1.tests_dir / "test_hidden.py").read_text()
    for line in lines:        # one line each, never the tests' code
        assert "def test_" not in line and "assert " not in line
        if line.startswith("  "):
            assert line.strip() not in source or len(line.strip()) < 5


def test_footer_in_a_release_reads_the_summary(tmp_path, monkeypatch):
    """A release has no test_hidden.py: the summary release.py wrote stands in for it."""
    summary = json.loads(check.hidden_summary_json(A1))
    fake = tmp_path / "tests"
    fake.mkdir()
    (fake / check.HIDDEN_SUMMARY).write_text(json.dumps(summary))
    monkeypatch.setattr(type(A1), "tests_dir", property(lambda self: fake))
    assert check.hidden_tests(A1) == [check.HiddenGroup(**g) for g in summary]


# ---------------------------------------------------------------------- watch screen

@pytest.mark.parametrize("width, height", [(80, 24), (120, 50), (40, 12)])
def test_watch_shows_one_screenful(width, height):
    text = watch.screen(A1, _grade(A1, 5, long_message=12), width=width, height=height,
                        colour=True, saved="05:31:02", before={})
    lines = text.splitlines()
    assert len(lines) <= height - 1
    assert all(len(ANSI.sub("", line)) <= width for line in lines)
    plain = ANSI.sub("", text)
    assert "Total: 6/16" in plain
    verdicts = [line for line in plain.splitlines() if re.match(r"(PASS|FAIL) +\d+/\d+", line)]
    if height >= 24:      # room for a line per test
        assert len(verdicts) == 8
        assert "make check ASSIGNMENT=1` shows everything" in plain   # what did not fit
    else:                 # the failing ones, and the passing ones in one line
        assert len(verdicts) == 5 and "3 other tests pass" in plain


def test_watch_screen_is_plain_without_colour():
    text = watch.screen(A1, _grade(A1, 1), width=100, height=40, colour=False,
                        saved="now", before={})
    assert "\033" not in text and "FAIL: test number 0" in text


# --------------------------------------------------------------------------- layout

def test_wrap_hangs_continuations_under_the_label():
    line = "    likely cause: " + "word " * 40
    out = terminal.wrap(line, 60)
    assert len(out) > 1 and all(len(x) <= 60 for x in out)
    assert all(x.startswith(" " * len("    likely cause: ")) for x in out[1:])
    assert terminal.wrap(line, None) == [line]


def test_colour_follows_no_color_and_force_color(monkeypatch):
    class Tty:
        def isatty(self):
            return True
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert terminal.use_colour(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not terminal.use_colour(Tty())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert terminal.use_colour(object())          # not a terminal, forced


# ------------------------------------------------------------------ check in two parts

def test_split_balances_by_last_durations_and_keeps_order():
    tests = [TestInfo(f"t::{i}", str(i), 1, "visible") for i in range(6)]
    durations = {"t::0": 4.0, "t::1": 3.0, "t::2": 1.0, "t::3": 1.0, "t::4": 1.0, "t::5": 1.0}
    groups = shards.split(tests, 2, durations)
    assert sorted(n for g in groups for n in g) == sorted(t.nodeid for t in tests)
    loads = [sum(durations[n] for n in g) for g in groups]
    assert abs(loads[0] - loads[1]) <= 1.0
    for g in groups:          # each part runs its tests in the file's order
        assert g == sorted(g, key=lambda n: int(n.split("::")[1]))
    assert shards.split(tests[:1], 2, {}) == [["t::0"]]     # never an empty part


def test_merge_puts_the_parts_back_in_order():
    expected = [TestInfo(f"t::{i}", str(i), 1, "visible") for i in range(4)]
    part = lambda ids, note, d: Grade(  # noqa: E731
        assignment=1, title="x", tests=[TestResult(expected[i], "passed") for i in ids],
        notes=[note, "shared"], duration=d, visibility="visible")
    merged = shards.merge([part([1, 3], "a", 2.0), part([0, 2], "b", 5.0)], expected)
    assert [r.info.nodeid for r in merged.tests] == ["t::0", "t::1", "t::2", "t::3"]
    assert merged.notes == ["a", "shared", "b"] and merged.duration == 5.0


def test_only_check_is_split(monkeypatch):
    monkeypatch.delenv("CK_CHECK_SHARDS", raising=False)
    assert shards.shards_for("all") == 1            # make grade grades as the instructor does
    monkeypatch.setenv("CK_CHECK_SHARDS", "1")
    assert shards.shards_for("visible") == 1
    monkeypatch.setenv("CK_CHECK_SHARDS", "3")
    assert shards.shards_for("visible") == 3
