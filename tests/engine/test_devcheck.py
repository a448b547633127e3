"""`dev check`: passes on the kit, and fails on a planted fault of every kind it checks.

Each planted fault is made in a copy of the kit's assignment folders (the constants of
autograder/paths.py pointed at the copy), so the kit itself is never touched.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from autograder import KIT_ROOT, manifest, paths, runner
from autograder.instructor import devcheck, readtests

A1 = "01_fix_the_consumer"
A3 = "03_batch_the_tiny_tasks"


def test_the_kit_passes():
    report = devcheck.check_all()
    assert {k: [str(f) for f in v] for k, v in report.items() if v} == {}
    assert len(report) == len(manifest.load()) + 2        # every assignment, the tree, the rooms


def test_main_says_ok_and_exits_0(capsys):
    assert devcheck.main(["check"]) == 0
    assert "every assignment matches its files" in capsys.readouterr().out


@pytest.mark.parametrize("a", manifest.load(), ids=lambda a: a.slug)
def test_reading_the_tests_finds_what_pytest_collects(a):
    """The tests as dev check reads them (no collection) are the tests the grader
    collects: names and case ids, points, visibility, timing."""
    read = {}
    for name in ("test_visible.py", paths.HIDDEN_TESTS):
        for t in readtests.graded_tests(a.tests_dir / name):
            for node in (sorted(t.nodenames - {t.name}) or [t.name]):
                read[node] = (t.points, t.visibility, t.timing)
    collected = {t.nodeid.split("::")[-1]: (t.points, t.visibility, t.timing)
                 for t in runner.expected_tests(a, "all")}
    assert read == collected


# ------------------------------------------------------------------ planted faults

@pytest.fixture
def kit(tmp_path, monkeypatch):
    """A copy of the kit's assignment folders, which dev check then reads."""
    root = tmp_path / "kit"
    for rel in ("assignments", "reference", "tests/broken", "tests/golden", "tests/hostile",
                "tests/designs", "lesson"):
        if (KIT_ROOT / rel).is_dir():
            shutil.copytree(KIT_ROOT / rel, root / rel,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(paths.ENGINE, root / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name, rel in (("ASSIGNMENTS", "assignments"), ("REFERENCE", "reference"),
                      ("BROKEN", "tests/broken"), ("GOLDEN", "tests/golden"),
                      ("HOSTILE", "tests/hostile"), ("DESIGNS", "tests/designs"),
                      ("ENGINE", "autograder"),
                      ("MANIFEST", "assignments/manifest.toml"),
                      ("LESSON", "lesson/lesson-07-concurrency.txt")):
        monkeypatch.setattr(paths, name, root / rel)
    assert devcheck.main(["check"]) == 0          # the copy is as good as the kit
    return root


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _findings(about: str | None = None) -> list[str]:
    report = devcheck.check_all()
    return [str(f) for k, v in report.items() if about is None or about in k for f in v]


def _plant_stub_missing(kit):
    (kit / "assignments" / A1 / "consumer.py").unlink()


def _plant_stub_syntax(kit):
    (kit / "assignments" / A1 / "consumer.py").write_text("def process_all(:\n")


def _plant_signature_differs(kit):
    _edit(kit / "reference" / A1 / "consumer.py", "def process_all(", "def process_all(extra, ")


def _plant_few_hints(kit):
    hints = kit / "assignments" / A1 / "hints.md"
    text = hints.read_text()
    hints.write_text(text[:text.index("## Hint 3")])


def _plant_reference_missing(kit):
    (kit / "reference" / A1 / "consumer.py").unlink()


def _plant_readme_missing(kit):
    (kit / "assignments" / A1 / "README.md").unlink()


def _plant_readme_untitled(kit):
    (kit / "assignments" / A1 / "README.md").write_text("no title here\n")


def _plant_hints_missing(kit):
    (kit / "assignments" / A1 / "hints.md").unlink()


def _plant_hint_misquotes(kit):
    hints = kit / "assignments" / A1 / "hints.md"
    quote = re.search(r'"([^"]{8,})"', hints.read_text()).group(1)
    _edit(hints, f'"{quote}"', '"words the lesson never says"')


def _plant_hint_cites_nothing(kit):
    hints = kit / "assignments" / A1 / "hints.md"
    hints.write_text(hints.read_text() + "\n## Hint 99: a hint without a source\nJust try harder.\n")


def _visible(kit, slug=A1):
    return kit / "assignments" / slug / "tests" / "test_visible.py"


def _plant_no_points(kit):
    _edit(_visible(kit), "@pytest.mark.points(1)\n", "")


def _plant_no_visibility(kit):
    _edit(_visible(kit), '@pytest.mark.visibility("visible")\n', "")


def _plant_hidden_in_visible_file(kit):
    _edit(_visible(kit), '@pytest.mark.visibility("visible")', '@pytest.mark.visibility("hidden")')


def _plant_no_docstring(kit):
    _edit(_visible(kit), '    """empty input returns {} at once"""\n', "")


def _plant_timed_unmarked(kit):
    test = _visible(kit, "02_parallelize_the_downloader")
    text = test.read_text()
    at = text.index("def test_speedup_over_sequential")
    head = text[:at]
    cut = head.rindex("@pytest.mark.timing\n")
    test.write_text(head[:cut] + head[cut + len("@pytest.mark.timing\n"):] + text[at:])


def _plant_parametrize_not_literal(kit):
    _edit(_visible(kit), "def test_empty_input(process_all, guard, feedback):",
          '@pytest.mark.parametrize("n", range(2))\ndef test_empty_input(process_all, guard, feedback, n):')


def _plant_points_sum(kit):
    _edit(kit / "assignments" / "manifest.toml", "points = 32", "points = 33")


def _plant_cpu_speedup(kit):
    _edit(kit / "assignments" / "manifest.toml", "cpu_speedup = true\n", "")


def _plant_few_broken(kit):
    for v in sorted((kit / "tests" / "broken" / A1).glob("*.py"))[4:]:
        v.unlink()
        (kit / "tests" / "golden" / A1 / f"{v.stem}.txt").unlink()


def _plant_no_fails(kit):
    v = kit / "tests" / "broken" / A1 / "single_worker.py"
    v.write_text(re.sub(r"Fails:", "Breaks:", v.read_text()))


def _plant_fails_unknown(kit):
    _edit(kit / "tests" / "broken" / A1 / "single_worker.py", "Fails: ", "Fails: test_no_such_test, ")


def _plant_golden_missing(kit):
    (kit / "tests" / "golden" / A1 / "single_worker.txt").unlink()


def _plant_golden_stray(kit):
    (kit / "tests" / "golden" / A1 / "gone_variant.txt").write_text("x\n")


def _plant_hostile_no_score(kit):
    case = sorted((kit / "tests" / "hostile" / A3).glob("*.py"))[0]
    case.write_text(re.sub(r"Scores:", "Gets:", case.read_text()))


def _plant_hostile_too_high(kit):
    case = sorted((kit / "tests" / "hostile" / A3).glob("*.py"))[0]
    case.write_text(re.sub(r"Scores: *[0-9.]+", "Scores: 99", case.read_text()))


def _design(kit, doc: str) -> None:
    folder = kit / "tests" / "designs" / A1
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "planted.py").write_text(f'"""{doc}"""\n')


def _plant_design_no_score(kit):
    _design(kit, "A design that says nothing of its score.\n")


def _plant_design_borderline_unknown(kit):
    _design(kit, "Close to a threshold.\nScores: 30\nBorderline: test_no_such_timing\n")


def _plant_stray_folder(kit):
    (kit / "reference" / "08_not_in_the_manifest").mkdir()


def _plant_core_imports_instructor(kit):
    _edit(kit / "autograder" / "scoring.py", "from __future__ import annotations\n",
          "from __future__ import annotations\n\nfrom .instructor import batch\n")


def _plant_student_imports_instructor(kit):
    _edit(kit / "autograder" / "student" / "status.py", "from __future__ import annotations\n",
          "from __future__ import annotations\n\nfrom autograder.instructor.records import GradeRow\n")


PLANTED = {
    # fault: (plant, what the finding says)
    "stub missing": (_plant_stub_missing, "assignments/01_fix_the_consumer/consumer.py: missing: the stub"),
    "stub not Python": (_plant_stub_syntax, "the stub students edit does not parse"),
    "reference missing": (_plant_reference_missing, "missing: the reference solution"),
    "stub and reference disagree": (_plant_signature_differs, "one contract, one signature"),
    "too few hints": (_plant_few_hints, "2 hint(s); at least 3"),
    "README missing": (_plant_readme_missing, "README.md: missing"),
    "README untitled": (_plant_readme_untitled, "README.md: no title"),
    "hints missing": (_plant_hints_missing, "hints.md"),
    "hint misquotes the lesson": (_plant_hint_misquotes, "words the lesson never says"),
    "hint cites nothing": (_plant_hint_cites_nothing, "hint 99 cites no part of the lesson"),
    "test without points": (_plant_no_points, "has no @pytest.mark.points"),
    "test without visibility": (_plant_no_visibility, "has no visibility"),
    "hidden test in the visible file": (_plant_hidden_in_visible_file, "is 'hidden' in test_visible.py"),
    "test without docstring": (_plant_no_docstring, "test_empty_input has no docstring"),
    "timed test not marked": (_plant_timed_unmarked, "but is not @pytest.mark.timing"),
    "cases not countable": (_plant_parametrize_not_literal, "not a literal list"),
    "points do not sum": (_plant_points_sum, "points sum to 32, the manifest says 33"),
    "cpu_speedup undeclared": (_plant_cpu_speedup, "cpu_speedup is false, but its tests do time"),
    "too few broken variants": (_plant_few_broken, "4 broken variant(s); at least 5"),
    "broken variant without Fails": (_plant_no_fails, "single_worker.py: no 'Fails:"),
    "Fails names no test": (_plant_fails_unknown, "names no test of the assignment: test_no_such_test"),
    "golden file missing": (_plant_golden_missing, "single_worker.txt: missing"),
    "golden file stray": (_plant_golden_stray, "gone_variant.txt: no broken variant"),
    "hostile case without score": (_plant_hostile_no_score, "says no 'Scores: N'"),
    "hostile score above the points": (_plant_hostile_too_high, "Scores: 99 is more than"),
    "design without score": (_plant_design_no_score, "planted.py: says no 'Scores: N'"),
    "design borderline names no test": (_plant_design_borderline_unknown,
                                        "Borderline: names no test of the assignment: "
                                        "test_no_such_timing"),
    "folder without manifest entry": (_plant_stray_folder, "08_not_in_the_manifest: no manifest entry"),
    "core imports the instructor room": (_plant_core_imports_instructor,
                                         "the core imports autograder.instructor"),
    "student room imports the instructor room": (_plant_student_imports_instructor,
                                                 "the student imports autograder.instructor.records"),
}


@pytest.mark.parametrize("fault", sorted(PLANTED))
def test_a_planted_fault_is_found(kit, fault, capsys):
    plant, says = PLANTED[fault]
    plant(kit)
    found = _findings()
    assert any(says in f for f in found), (fault, found)
    assert devcheck.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "dev check: " in out and says.split(": ")[-1] in out
