"""autograder.manifest: loading, lookup, and refusal of malformed manifests."""
from __future__ import annotations

import pytest

from autograder import manifest, runner

GOOD = {
    "number": "1",
    "slug": '"01_x"',
    "title": '"X"',
    "files": '["x.py"]',
    "points": "3",
    "budget": "20",
    "test_timeout": "5",
}


def _entry(**override) -> str:
    fields = dict(GOOD)
    for key, value in override.items():
        if value is None:
            fields.pop(key)
        else:
            fields[key] = value
    return "[[assignment]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items())


def _write(tmp_path, *entries: str):
    path = tmp_path / "manifest.toml"
    path.write_text("\n".join(entries))
    return path


# ------------------------------------------------------------- the real one

def test_real_manifest_has_assignment_one():
    assignments = manifest.load()
    first = assignments[0]
    assert first.number == 1
    assert first.slug == "01_fix_the_consumer"
    assert first.module == "consumer"
    assert first.files[0] == "consumer.py"
    assert first.folder.is_dir() and first.tests_dir.is_dir()
    assert 0 < first.test_timeout < first.budget
    assert [a.number for a in assignments] == sorted(a.number for a in assignments)


@pytest.mark.parametrize("key", ["1", "01", 1, " 1 ", "01_fix_the_consumer"])
def test_get_by_number_or_slug(key):
    a = manifest.get(key)
    assert (a.number, a.slug) == (1, "01_fix_the_consumer")


@pytest.mark.parametrize("key", [99, "99", "fix_the_consumer", "", "1.0", "-1"])
def test_unknown_assignment_lists_the_known_ones(key):
    with pytest.raises(manifest.UnknownAssignment) as info:
        manifest.get(key)
    text = str(info.value)
    assert repr(key) in text
    assert "known:" in text and "1 (01_fix_the_consumer)" in text


def test_get_and_load_use_the_given_path(tmp_path):
    path = _write(tmp_path, _entry(number="7", slug='"07_y"'), _entry(number="3", slug='"03_z"'))
    assert [a.number for a in manifest.load(path)] == [3, 7]          # sorted by number
    assert manifest.get("07", path).slug == "07_y"
    with pytest.raises(manifest.UnknownAssignment, match=r"known: 3 \(03_z\), 7 \(07_y\)"):
        manifest.get(1, path)


def test_a_good_entry_parses_to_floats(tmp_path):
    a = manifest.load(_write(tmp_path, _entry(lesson='"IV"')))[0]
    assert a == manifest.Assignment(number=1, slug="01_x", title="X", files=("x.py",),
                                    points=3.0, budget=20.0, test_timeout=5.0, lesson="IV")
    assert a.module == "x" and a.label == "1. X"
    assert a.memory_mb == 4096                                       # the default
    assert manifest.load(_write(tmp_path, _entry(memory_mb="1024")))[0].memory_mb == 1024


# ------------------------------------------------------------ malformed ones

@pytest.mark.parametrize("override, problem", [
    ({"test_timeout": None}, "missing 'test_timeout'"),
    ({"slug": None}, "missing 'slug'"),
    ({"number": '"1"'}, "'number' has the wrong type"),
    ({"number": "true"}, "'number' has the wrong type"),
    ({"files": '"x.py"'}, "'files' has the wrong type"),
    ({"points": '"3"'}, "'points' has the wrong type"),
    ({"files": '["x.txt"]'}, "'files' must list one or more .py file names"),
    ({"files": '["x.py", "notes.md"]'}, "'files' must list one or more .py file names"),
    ({"files": "[]"}, "'files' must list one or more .py file names"),
    ({"budget": "5"}, "need 0 < test_timeout < budget"),               # budget == test_timeout
    ({"budget": "4"}, "need 0 < test_timeout < budget"),               # budget < test_timeout
    ({"test_timeout": "0"}, "need 0 < test_timeout < budget"),
    ({"colour": '"red"'}, "unknown keys ['colour']"),
    ({"memory_mb": "100"}, "'memory_mb' must be a whole number of MB, at least 256"),
    ({"memory_mb": '"1G"'}, "'memory_mb' must be a whole number of MB, at least 256"),
])
def test_malformed_entry_names_the_problem(tmp_path, override, problem):
    path = _write(tmp_path, _entry(**override))
    with pytest.raises(manifest.ManifestError) as info:
        manifest.load(path)
    text = str(info.value)
    assert problem in text
    assert "manifest.toml entry 1" in text                          # where the problem is


def test_the_entry_at_fault_is_named(tmp_path):
    path = _write(tmp_path, _entry(), _entry(number="2", slug='"02_y"', budget="1"))
    with pytest.raises(manifest.ManifestError, match="entry 2: need 0 < test_timeout < budget"):
        manifest.load(path)


@pytest.mark.parametrize("dupe, other, problem", [
    ({}, {"slug": '"02_y"'}, "duplicate number [1]"),
    ({}, {"number": "2"}, "duplicate slug ['01_x']"),
])
def test_duplicates_are_refused(tmp_path, dupe, other, problem):
    path = _write(tmp_path, _entry(**dupe), _entry(**other))
    with pytest.raises(manifest.ManifestError) as info:
        manifest.load(path)
    assert problem in str(info.value)


def test_unreadable_or_invalid_toml(tmp_path):
    with pytest.raises(manifest.ManifestError, match="cannot read the manifest"):
        manifest.load(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[assignment]\nnumber = ")
    with pytest.raises(manifest.ManifestError, match="cannot read the manifest"):
        manifest.load(bad)


# ----------------------------------------------- points match the test markers

@pytest.mark.parametrize("assignment", manifest.load(), ids=lambda a: a.slug)
def test_manifest_points_equal_the_sum_of_the_markers(assignment, tmp_path, monkeypatch):
    # Collect for real (no in-memory or on-disk cache): a child process runs pytest
    # --collect-only with the plugin and reports every @points marker.
    monkeypatch.setattr(runner, "_COLLECT_CACHE", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    tests = runner.expected_tests(assignment)
    assert tests, "no graded tests collected"
    assert all(t.points > 0 for t in tests)
    assert sum(t.points for t in tests) == assignment.points
    assert {t.visibility for t in tests} <= {"visible", "hidden", "after_due_date", "after_published"}
    assert len({t.nodeid for t in tests}) == len(tests)
    # Visible tests come first (what `make check` shows).
    vis = [t.visibility == "visible" for t in tests]
    assert vis == sorted(vis, reverse=True)
