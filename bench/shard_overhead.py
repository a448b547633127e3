"""What sharding costs: one download graded as 1 shard, then as M shards one after the
other (as an --exclusive Slurm array on one node runs them), then merged. A benchmark,
not a test: it prints the wall times and the overhead per shard (discovery, set-up,
exports: the time beyond the 1-shard run, divided by M - 1).

    .venv/bin/python bench/shard_overhead.py [--assignment 7] [--students 8] [--shards 2]

The download: the assignment's reference, stub and broken variants, round robin, one
folder per student.
"""
from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import KIT_ROOT, manifest  # noqa: E402


def kit(*args) -> float:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=KIT_ROOT,
                          capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return time.monotonic() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assignment", type=int, default=7)
    ap.add_argument("--students", type=int, default=8)
    ap.add_argument("--shards", type=int, default=2)
    opts = ap.parse_args()
    a = manifest.get(opts.assignment)
    sources = [a.reference_dir / a.files[0], a.folder / a.files[0],
               *sorted((KIT_ROOT / "tests" / "broken" / a.slug).glob("*.py"))]
    with tempfile.TemporaryDirectory(prefix="ck-shards-") as tmp:
        root = Path(tmp)
        for i, source in zip(range(opts.students), itertools.cycle(sources)):
            (root / "download" / f"student{i:03d}").mkdir(parents=True)
            shutil.copy(source, root / "download" / f"student{i:03d}" / a.files[0])
        download = str(root / "download")
        one = kit("batch", str(a.number), download, "--out", str(root / "one"), "--no-progress")
        parts = []
        for k in range(1, opts.shards + 1):
            parts.append(kit("batch", str(a.number), download, "--out", str(root / f"part{k}"),
                             "--no-progress", "--shard", f"{k}/{opts.shards}"))
        merge = kit("merge", *(str(root / f"part{k}") for k in range(1, opts.shards + 1)),
                    "--out", str(root / "merged"))
    total = sum(parts) + merge
    print(f"assignment {a.number}, {opts.students} submissions")
    print(f"  1 shard:           {one:7.1f} s")
    shown = ", ".join(f"{p:.1f}" for p in parts)
    print(f"  {opts.shards} shards in turn:  {sum(parts):7.1f} s ({shown})"
          f" + merge {merge:.1f} s = {total:.1f} s")
    extra = (total - one) / max(1, opts.shards - 1)
    share = 100 * (total - one) / one
    print(f"  overhead per extra shard: {extra:+.1f} s ({share:+.0f}% of the 1-shard run)")
    print(f"  throughput of this node: {opts.students / one * 3600:.0f} submissions an hour "
          f"({one / opts.students:.1f} s each)")


if __name__ == "__main__":
    main()
