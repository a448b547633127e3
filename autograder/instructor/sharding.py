"""A download graded in parts: `batch ... --shard K/M`, one part per machine (or per
Slurm task), and `merge` to put the parts back together.

    parse_shard("2/5") -> (2, 5)
    part(students, K, M) -> the K-th part: every M-th student of the sorted ids, from K-1
    write_shard_json(out, assignment, students, (K, M)) -> that part, DIR/shard.json saying
    read_shard_json(out) -> Shard, or ShardError

Every part runs the same discovery on the same download, so every part sees the same
students under the same ids; the split is by position in the sorted ids (round robin:
parts differ by one student at most, so timing nodes get even work). shard.json holds
what merge needs to check the parts against each other: the assignment, K and M, every
id the discovery found (with a digest of the list) and the ids of this part.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from ..files import atomic_write
from .records import Student

SHARD_JSON = "shard.json"


class ShardError(ValueError):
    pass


def parse_shard(text: str) -> tuple[int, int]:
    """'K/M' with 1 <= K <= M (argparse's type: its ValueError becomes a usage error)."""
    try:
        k, m = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise ValueError(f"--shard wants K/M, such as 1/4, not {text!r}") from None
    if not 1 <= k <= m:
        raise ValueError(f"--shard {text}: need 1 <= K <= M")
    return k, m


def part(students: list[Student], k: int, m: int) -> list[Student]:
    ids = sorted(s.id for s in students)
    mine = set(ids[k - 1::m])
    return [s for s in students if s.id in mine]


def owner(sid: str, all_ids, m: int) -> int:
    """The part the split gives `sid` to (part() in reverse)."""
    return sorted(all_ids).index(sid) % m + 1


def digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class Shard:
    out: Path
    assignment: int
    k: int
    m: int
    all_ids: tuple[str, ...]
    ids: tuple[str, ...]
    discovery: str


def write_shard_json(out: Path, assignment, students: list[Student],
                     shard: tuple[int, int]) -> list[Student]:
    k, m = shard
    mine = part(students, k, m)
    all_ids = sorted(s.id for s in students)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / SHARD_JSON, json.dumps(
        {"assignment": assignment.number, "shard": k, "of": m, "discovery": digest(all_ids),
         "all": all_ids, "students": sorted(s.id for s in mine)}, indent=1) + "\n")
    return mine


def read_shard_json(out: Path) -> Shard:
    path = Path(out) / SHARD_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        shard = Shard(Path(out), int(data["assignment"]), int(data["shard"]), int(data["of"]),
                      tuple(data["all"]), tuple(data["students"]), str(data["discovery"]))
    except FileNotFoundError:
        raise ShardError(f"{out} has no {SHARD_JSON}: not the --out of a `batch --shard` "
                         "(or that shard never started)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ShardError(f"{path} cannot be read ({type(exc).__name__}: {exc})") from None
    if shard.discovery != digest(list(shard.all_ids)):
        raise ShardError(f"{path}: its list of students does not match its digest (edited?)")
    return shard
