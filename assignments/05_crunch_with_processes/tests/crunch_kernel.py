"""The kernel's view of crunch()'s worker processes, read by the judge (assignment 5).

    with Workers(session) as cpu:          # TreeCpu (grading/evidence.py), plus:
        crunch(...)
    cpu.cpu_of(pid)        CPU seconds a process used during the call, to the nanosecond
                           (/proc/PID/task/*/schedstat; a process that ended between two
                           samples keeps what the last sample saw: a lower bound)
    cpu.work()             CPU seconds of the worker processes together (multiprocessing's
                           helpers left out; the ones already reaped counted by their reaper)
    cpu.top()              CPU seconds of the busiest worker process
    cpu.peak               most worker processes alive at the same moment (zombies and
                           helpers left out): a pool that recycles its workers
                           (maxtasksperchild) has no more than max_workers at once
    cpu.methods()          how the worker processes were started: fork, spawn, forkserver
                           (a spawned one runs multiprocessing.spawn; one a fork server
                           forked is a child of the fork server)
    cpu.at_once()          worker processes runnable at once, on average, counting the CPU
                           of workers that ended between two samples too

Every number comes from /proc on the judge's side: nothing the student's process says.
"""
from __future__ import annotations

from autograder.checks.hygiene import is_helper_process
from autograder.checks.pools import worker_start_method
from autograder.grading import procfs
from autograder.grading.evidence import TreeCpu


class Workers(TreeCpu):
    def __init__(self, session, interval: float = 0.01) -> None:
        super().__init__(session, interval)
        self.run: dict[int, float] = {}       # pid -> most CPU seen (precise)
        self.run0: dict[int, float] = {}      # pid -> at the start (alive before)
        self.alive: list[frozenset[int]] = []   # the processes alive at each sample

    def __enter__(self) -> Workers:
        self.run0 = {pid: procfs.run_time(pid) for pid in procfs.descendants(self.session.pid)}
        super().__enter__()
        return self

    def _helper(self, pid: int) -> bool:
        return is_helper_process(self.cmdlines.get(pid, []),
                                 self.cmdlines.get(self.parents.get(pid), []))

    def _sample(self) -> None:
        alive = []
        for child in procfs.descendants(self.session.pid):
            # Read every time: a spawned process shows its parent's command line until it
            # has exec'ed the new interpreter.
            cmdline = procfs.cmdline(child)
            if cmdline:
                self.cmdlines[child] = cmdline
            if child not in self.parents:
                self.parents[child] = procfs.ppid(child)
            own, _ = procfs.cpu(child)
            self.cpu[child] = max(self.cpu.get(child, 0.0), own)
            self.ready[child] = max(self.ready.get(child, 0.0), procfs.sched(child))
            self.run[child] = max(self.run.get(child, 0.0), procfs.run_time(child))
            if procfs.alive(child):          # read after the listing: see `peak`
                alive.append(child)
        # A process listed here was started before the listing ended; one still alive when
        # read after it overlapped with it: a recycled worker that is gone is not counted.
        if alive:
            self.alive.append(frozenset(alive))

    # ------------------------------------------------------------------ views
    @property
    def peak(self) -> int:
        """Most worker processes alive at one sample, each told from a helper by its last
        command line (a helper about to exec shows its parent's for a moment)."""
        helpers = {pid for pid in self.cmdlines if self._helper(pid)}
        return max((len(alive - helpers) for alive in self.alive), default=0)

    def cpu_of(self, pid: int) -> float:
        return max(0.0, self.run.get(pid, 0.0) - self.run0.get(pid, 0.0))

    def work(self) -> float:
        """CPU of the worker processes: the precise per-process sum, or the kernel's count
        of every process under the caller (reaped ones too) less its helpers'."""
        workers = self.workers()
        sampled = sum(self.cpu_of(pid) for pid in workers)
        helpers = sum(self.cpu_of(pid) for pid in self.run if pid not in workers)
        return max(sampled, self.children - helpers)

    def top(self) -> float:
        return max((self.cpu_of(pid) for pid in self.workers()), default=0.0)

    def methods(self) -> set[str]:
        return {worker_start_method(self.cmdlines.get(pid, []),
                                self.cmdlines.get(self.parents.get(pid), []))
                for pid in self.workers() if self.cpu_of(pid) > 0}

    def at_once(self) -> float:
        """TreeCpu.at_once, plus the CPU the samples did not see (the last moments of
        workers that ended between two samples: a recycled worker lives one chunk)."""
        if self.wall <= 0:
            return 0.0
        workers = self.workers()
        ready = sum(max(0.0, r - self.ready0.get(p, 0.0)) for p, r in self.ready.items()
                    if p in workers)
        unseen = max(0.0, self.work() - sum(self.cpu_of(p) for p in workers))
        return (ready + unseen) / self.wall

    def text(self) -> str:
        used = sorted((self.cpu_of(p) for p in self.workers()), reverse=True)
        used = [c for c in used if c >= 0.0005]
        shares = ", ".join(f"{c:.3f} s" for c in used[:8]) + (", ..." if len(used) > 8 else "")
        who = (f"{len(used)} worker process(es) used CPU ({shares}), "
               f"{self.work():.2f} s together" if used else "no worker process used CPU")
        return f"{who}; your function's own process used {self.caller:.2f} s"
