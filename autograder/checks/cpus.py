"""How much CPU this process may really use: affinity and the cgroup CPU quota.

Gradescope gives 0.5 vCPU by default, a container sees its own cgroup as the root, a grader
started in a limited cgroup on the host sees the tightest quota on its path: `cpu_budget()`
reads them all and `CpuBudget.effective` is the least. `CK_CPU_QUOTA` overrides the quota
(tests of the kit, odd hosts).
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class CpuBudget:
    """How much CPU this process may really use."""

    logical: int              # os.cpu_count()
    affinity: int             # CPUs this process may be scheduled on
    quota: float | None       # cgroup CPU quota in CPUs (None = unlimited)

    @property
    def effective(self) -> float:
        limits = [float(self.affinity)]
        if self.quota is not None:
            limits.append(self.quota)
        return max(min(limits), 0.01)

    def describe(self) -> str:
        text = f"{self.affinity} CPU(s) available to this process"
        if self.quota is not None:
            text += f", cgroup quota {self.quota:g} CPU(s)"
        return text + f" -> {self.effective:g} effective"


def _tightest_up(here: Path, top: Path, read) -> float | None:
    """The smallest quota `read(folder)` finds from `here` up to `top` (the tightest limit
    on the path from a cgroup to its hierarchy's root is the one that applies)."""
    best = None
    while True:
        try:
            cpus = read(here)
        except (OSError, ValueError):
            cpus = None
        if cpus is not None:
            best = cpus if best is None else min(best, cpus)
        if here == top or top not in here.parents:
            return best
        here = here.parent


def _v2_cpus(folder: Path) -> float | None:
    quota, period = (folder / "cpu.max").read_text().split()[:2]
    return None if quota == "max" else int(quota) / int(period)


def _v1_cpus(folder: Path) -> float | None:
    quota = int((folder / "cpu.cfs_quota_us").read_text())
    period = int((folder / "cpu.cfs_period_us").read_text())
    return quota / period if quota > 0 and period > 0 else None


def _cgroup_lines(proc_cgroup: Path) -> list[list[str]]:
    try:
        return [ln.split(":", 2) for ln in proc_cgroup.read_text().splitlines()]
    except OSError:
        return []


def _cgroup_v2_quota(proc_cgroup: Path, root: Path) -> float | None:
    rel = next((p[2] for p in _cgroup_lines(proc_cgroup) if len(p) == 3 and p[0] == "0"), None)
    return None if rel is None else _tightest_up(root / rel.lstrip("/"), root, _v2_cpus)


def _cgroup_v1_quota(root: Path, proc_cgroup: Path | None = None) -> float | None:
    """v1: the quota on our own cgroup path (a nested cgroup, e.g. a grader started in a
    limited cgroup on the host), else at the mount's root (what a container sees: its own
    cgroup is mounted as the root)."""
    for parts in _cgroup_lines(proc_cgroup) if proc_cgroup is not None else []:
        if len(parts) != 3 or "cpu" not in parts[1].split(","):
            continue
        for mount in (root / "cpu,cpuacct", root / "cpu"):
            if mount.is_dir():
                own = _tightest_up(mount / parts[2].lstrip("/"), mount, _v1_cpus)
                if own is not None:
                    return own
    for d in ("cpu,cpuacct", "cpu"):
        try:
            cpus = _v1_cpus(root / d)
        except (OSError, ValueError):
            continue
        if cpus is not None:
            return cpus
    return None


def cpu_budget(*, proc_cgroup: Path = Path("/proc/self/cgroup"),
               cgroup_root: Path = Path("/sys/fs/cgroup")) -> CpuBudget:
    logical = os.cpu_count() or 1
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        affinity = logical
    override = os.environ.get("CK_CPU_QUOTA")  # for tests of the kit and odd hosts
    if override:
        quota: float | None = float(override)
    else:
        quota = _cgroup_v2_quota(proc_cgroup, cgroup_root)
        if quota is None:
            quota = _cgroup_v1_quota(cgroup_root, proc_cgroup)
    return CpuBudget(logical=logical, affinity=affinity, quota=quota)
