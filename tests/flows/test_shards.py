"""A download graded in shards for real: assignment 7's reference, stub and two broken
variants as a plain download, graded as one batch, then as 2 shards one after the other
and merged: the same rows and the same scores; a shard rerun regrades nothing."""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import pytest

from autograder import KIT_ROOT, manifest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("shards"), pytest.mark.timeout(1200)]
A7 = manifest.get(7)
BROKEN = KIT_ROOT / "tests" / "broken" / A7.slug


def kit(*args, timeout=900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=KIT_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def table(out) -> dict[str, tuple[str, str]]:
    with open(out / "grades.csv", encoding="utf-8-sig", newline="") as f:
        return {line["student"]: (line["score"], line["status"]) for line in csv.DictReader(f)}


@pytest.fixture(scope="module")
def download(tmp_path_factory):
    root = tmp_path_factory.mktemp("class") / "download"
    variants = sorted(BROKEN.glob("*.py"))[:2]
    for name, source in [("ada", A7.reference_dir / A7.files[0]), ("bob", A7.folder / A7.files[0]),
                         ("carol", variants[0]), ("dan", variants[1])]:
        (root / name).mkdir(parents=True)
        shutil.copy(source, root / name / A7.files[0])
    return root


def test_two_shards_merged_grade_as_one_batch(download, tmp_path):
    whole = kit("batch", "7", str(download), "--out", str(tmp_path / "whole"), "--no-progress")
    assert whole.returncode == 0, whole.stdout + whole.stderr
    for k in (1, 2):
        part = kit("batch", "7", str(download), "--out", str(tmp_path / f"part{k}"),
                   "--no-progress", "--shard", f"{k}/2")
        assert part.returncode == 0, part.stdout + part.stderr
    assert [len(table(tmp_path / f"part{k}")) for k in (1, 2)] == [2, 2]
    merged = kit("merge", str(tmp_path / "part1"), str(tmp_path / "part2"), "--out",
                 str(tmp_path / "merged"))
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert table(tmp_path / "merged") == table(tmp_path / "whole")
    assert table(tmp_path / "whole")["ada"] == (f"{A7.points:g}", "graded")
    again = kit("batch", "7", str(download), "--out", str(tmp_path / "part1"), "--no-progress",
                "--shard", "1/2")
    assert "2 submission(s)" in again.stdout and "(2 reused from an earlier run)" in again.stdout
