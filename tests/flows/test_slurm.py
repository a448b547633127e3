"""Slurm for real: a one-node Slurm started here (tests/flows/slurm_node.sh: Debian's
slurm-wlm and munge, a minimal slurm.conf), `slurm 7 ... --shards 2 --submit` on a small
download (assignment 7's reference, stub and two broken variants): an --exclusive job
array of two shards, then the merge job after it; the merged grades.csv against a plain
one-machine batch of the same download: same rows, same scores."""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import time

import pytest

from autograder import KIT_ROOT, manifest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slurm"), pytest.mark.timeout(1800)]
A7 = manifest.get(7)
NODE = KIT_ROOT / "tests" / "flows" / "slurm_node.sh"


def kit(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=KIT_ROOT,
                          capture_output=True, text=True, timeout=900)


def table(path) -> dict[str, tuple[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {line["student"]: (line["score"], line["status"]) for line in csv.DictReader(f)}


@pytest.fixture(scope="module")
def slurm():
    up = subprocess.run([str(NODE), "up"], capture_output=True, text=True, timeout=600)
    said = (up.stdout.strip().splitlines() or ["(nothing)"])[-1]
    if said != "ready":
        pytest.skip(f"no Slurm could be started here: {said}")
    yield
    subprocess.run([str(NODE), "down"], capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def download(tmp_path_factory):
    root = tmp_path_factory.mktemp("class") / "download"
    broken = sorted((KIT_ROOT / "tests" / "broken" / A7.slug).glob("*.py"))[:2]
    for name, source in [("ada", A7.reference_dir / A7.files[0]), ("bob", A7.folder / A7.files[0]),
                         ("carol", broken[0]), ("dan", broken[1])]:
        (root / name).mkdir(parents=True)
        shutil.copy(source, root / name / A7.files[0])
    return root


def wait_for(jobs: list[str], limit: float = 1500) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        queued = subprocess.run(["squeue", "-h", "-j", ",".join(jobs), "-o", "%i %T"],
                                capture_output=True, text=True).stdout.strip()
        if not queued:
            return
        time.sleep(2)
    raise AssertionError(f"Slurm jobs {jobs} still queued after {limit} s: {queued}")


def test_a_job_array_on_whole_nodes_grades_as_one_machine_does(slurm, download, tmp_path):
    out = tmp_path / "cluster"
    printed = kit("slurm", "7", str(download), "--out", str(out), "--shards", "2", "--print")
    assert "#SBATCH --array=1-2%1" in printed.stdout and "#SBATCH --exclusive" in printed.stdout
    submitted = kit("slurm", "7", str(download), "--out", str(out), "--shards", "2", "--submit")
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    array, merge = re.search(r"array job (\d+).*merge job (\d+)", submitted.stdout).groups()
    wait_for([array, merge])
    logs = {p.name: p.read_text() for p in (out / "slurm").glob("*.log")}
    assert set(logs) == {"shard-1.log", "shard-2.log", "merge.log"}, logs
    assert "merged 2 part(s): 4 student(s)" in logs["merge.log"], logs["merge.log"]
    whole = kit("batch", "7", str(download), "--out", str(tmp_path / "whole"), "--no-progress")
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert table(out / "merged" / "grades.csv") == table(tmp_path / "whole" / "grades.csv")
