"""batch --shard K/M and merge, on parts written here (the flow test grades for real):
the split, the checks that parts belong together, a missing shard, a student in two
parts, more shards than students, and the merged exports."""
from __future__ import annotations

import csv
import json

import pytest

from autograder import manifest
from autograder.instructor import merge as merging
from autograder.instructor import sharding
from autograder.instructor.records import GradeRow, Student
from autograder.instructor.rows import to_json

A7 = manifest.get(7)
IDS = [f"s{i:02d}" for i in range(7)]


def students(ids=IDS):
    return [Student(sid, sid.upper(), None, "folder") for sid in ids]


def shard_out(tmp_path, k, m, *, ids=IDS, graded=None, score=lambda sid: 20.0):
    """The --out of `batch --shard k/m` as the batch leaves it (shard.json, rows)."""
    out = tmp_path / f"part{k}"
    mine = sharding.write_shard_json(out, A7, students(ids), (k, m))
    for s in mine if graded is None else [s for s in students(ids) if s.id in graded]:
        (out / s.id).mkdir(parents=True, exist_ok=True)
        row = GradeRow(Student(s.id, s.name, out / s.id, "folder"), "graded", score(s.id), 31.0)
        (out / s.id / "row.json").write_text(json.dumps(to_json(row, "fp")))
        (out / s.id / "feedback.txt").write_text(f"feedback of {s.id}\n")
    return out


def grades(out):
    with open(out / "grades.csv", encoding="utf-8-sig", newline="") as f:
        return {line["student"]: line for line in csv.DictReader(f)}


def test_parts_are_disjoint_cover_everyone_and_differ_by_one_at_most():
    for m in (1, 2, 3, 7, 10):
        parts = [[s.id for s in sharding.part(students(), k, m)] for k in range(1, m + 1)]
        assert sorted(sum(parts, [])) == IDS
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
        assert all(sharding.owner(sid, IDS, m) == k for k, ids in enumerate(parts, 1) for sid in ids)
    assert sharding.parse_shard("2/5") == (2, 5)
    for bad in ("0/2", "3/2", "2", "a/b"):
        with pytest.raises(ValueError):
            sharding.parse_shard(bad)


def test_two_parts_merge_into_one_batch(tmp_path):
    parts = [shard_out(tmp_path, k, 2) for k in (1, 2)]
    merged = merging.merge(parts, tmp_path / "all")
    assert merged.problems == [] and [r.student.id for r in merged.rows] == IDS
    assert set(grades(tmp_path / "all")) == set(IDS)
    assert all((tmp_path / "all" / sid / "feedback.txt").read_text() == f"feedback of {sid}\n"
               for sid in IDS)
    assert "7 submission(s)" in (tmp_path / "all" / "summary.txt").read_text()


def test_a_missing_shard_is_named_and_its_students_are_error_rows(tmp_path):
    first = shard_out(tmp_path, 1, 2)
    code = merging.main([str(first), "--out", str(tmp_path / "all")])
    assert code == merging.EXIT_PROBLEMS
    merged = grades(tmp_path / "all")
    missing = [sid for sid in IDS if sid not in sharding.read_shard_json(first).ids]
    assert set(merged) == set(IDS)                      # nobody dropped
    assert all(merged[sid]["status"] == "error" and "shard 2/2 has no row" in merged[sid]["message"]
               for sid in missing)
    problems = json.loads((tmp_path / "all" / "merge.json").read_text())["problems"]
    assert problems[0] == "shard 2/2 is missing: its students have no grade here"


def test_a_shard_that_failed_half_way_leaves_error_rows_for_the_rest(tmp_path):
    ids_1 = [s.id for s in sharding.part(students(), 1, 2)]
    parts = [shard_out(tmp_path, 1, 2, graded=ids_1[:2]), shard_out(tmp_path, 2, 2)]
    merged = merging.merge(parts, tmp_path / "all")
    assert {p.split(":")[0] for p in merged.problems} == set(ids_1[2:])
    assert len(merged.rows) == len(IDS)


def test_a_student_graded_in_two_parts_is_kept_once_from_its_own_part(tmp_path):
    parts = [shard_out(tmp_path, 1, 2, score=lambda sid: 10.0), shard_out(tmp_path, 2, 2)]
    stray = sharding.read_shard_json(parts[1]).ids[0]
    rerun = shard_out(tmp_path / "x", 1, 2, graded=[stray], score=lambda sid: 5.0)  # wrong part
    merged = merging.merge([*parts, rerun], tmp_path / "all")
    assert [r.score for r in merged.rows if r.student.id == stray] == [20.0]
    assert any(p.startswith(f"{stray}: graded in 2 parts") for p in merged.problems)
    assert len(merged.rows) == len(IDS)


def test_more_shards_than_students_and_parts_that_do_not_belong_together(tmp_path):
    few = ["a", "b"]
    parts = [shard_out(tmp_path, k, 4, ids=few) for k in range(1, 5)]
    assert [len(sharding.read_shard_json(p).ids) for p in parts] == [1, 1, 0, 0]
    assert merging.merge(parts, tmp_path / "all").problems == []
    other = shard_out(tmp_path / "other", 2, 4, ids=["a", "b", "c"])
    code = merging.main([str(parts[0]), str(other), "--out", str(tmp_path / "bad")])
    assert code == merging.EXIT_CANNOT_MERGE
    assert merging.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "bad2")]) == 2
