"""What the kernel says a call did: CPU time per process of the test's process tree, and
the writes its caller made into pipes. Decisive evidence for the process assignments:
a worker can lie in every message, not in /proc.

    with TreeCpu(session) as cpu:
        student.parallel_map(func, items)
    cpu.caller          CPU seconds the test's own process used (all its threads)
    cpu.children        CPU seconds every process under it used, the reaped ones too
    cpu.busy()          the processes that did a real share of the children's work
    cpu.at_once()       worker processes ready to compute at once, on average: the time
                        each was runnable (on a CPU or waiting in the run queue for one,
                        the scheduler's count) over the call's wall time. Two workers
                        computing side by side show about 2, on a busy machine too (they
                        wait for a CPU together); a pool that runs one task at a time, 1
    cpu.series          pid -> [(when, CPU seconds so far)] as sampled: what a timeline of
                        the processes draws (checks/timeline.py)
    cpu.writes          write system calls the caller made (a pool's task queue is a pipe:
                        one or two writes per task shipped; the grader's channel is a
                        socket, whose sends do not count)

Sampled from a thread of the judge every `interval` s while the call runs, and read once
more at the end; a process that lived less than an interval may be missed by `busy()`,
never by `children` (its parent's reaped count holds it once it is waited for).
"""
from __future__ import annotations

import threading
import time

from ..checks import timeline
from . import procfs


class TreeCpu:
    def __init__(self, session, interval: float = 0.01) -> None:
        self.session = session
        self.interval = interval
        self.cpu: dict[int, float] = {}          # pid -> most CPU seen (own + reaped)
        self.start_cpu: dict[int, float] = {}    # pid -> at the start (alive before)
        self.cmdlines: dict[int, list[str]] = {}
        self.parents: dict[int, int | None] = {}
        self.ready: dict[int, float] = {}        # pid -> most runnable time seen
        self.ready0: dict[int, float] = {}       # pid -> at the start (alive before)
        self.wall = 0.0
        self.series: dict[int, list[tuple[float, float]]] = {}   # pid -> (when, CPU s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ck-tree-cpu", daemon=True)
        self.caller = self.children = 0.0
        self.writes = self.reads = 0
        self._caller0 = (0.0, 0.0)
        self._io0: dict[str, int] = {}

    def _totals(self, reaped: bool = False) -> dict[int, float]:
        """pid -> CPU it used itself (with `reaped`: plus its children it waited for)."""
        pid = self.session.pid
        out = {}
        for child in procfs.descendants(pid):
            own, gone = procfs.cpu(child)
            out[child] = own + (gone if reaped else 0.0)
        return out

    def __enter__(self) -> TreeCpu:
        pid = self.session.pid
        self._caller0 = procfs.cpu(pid)
        self._io0 = procfs.io(pid)
        self.start_cpu = self._totals()
        self._start_all = self._totals(reaped=True)
        self.ready0 = {child: procfs.sched(child) for child in self.start_cpu}
        self._began = time.monotonic()
        self._thread.start()
        timeline.watch_cpu(self)
        return self

    def _sample(self) -> None:
        at = time.monotonic()
        run, _ = procfs.sched_times(self.session.pid)
        self.series.setdefault(self.session.pid, []).append((at, run))
        for child, used in self._totals().items():
            # Read again while it lives: a process seen between its fork and its exec (a
            # spawn worker, the resource tracker, the fork server) still shows its
            # parent's command line, and would pass for a forked pool worker.
            command = procfs.cmdline(child)
            if command or child not in self.cmdlines:
                self.cmdlines[child] = command
            if child not in self.parents:
                self.parents[child] = procfs.ppid(child)
            if used >= self.cpu.get(child, 0.0):
                self.cpu[child] = used
            run, delay = procfs.sched_times(child)
            self.series.setdefault(child, []).append((at, run))
            ready = run + delay
            if ready >= self.ready.get(child, 0.0):
                self.ready[child] = ready

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.wall = time.monotonic() - self._began
        pid = self.session.pid
        own, reaped = procfs.cpu(pid)
        self.caller = max(0.0, own - self._caller0[0])
        # Each process once: one alive at the end by its own CPU and what it waited for;
        # one gone by its reaper's count (the test's process counts all it waited for).
        alive = self._totals(reaped=True)
        lived = sum(used - self._start_all.get(child, 0.0) for child, used in alive.items())
        gone = max(0.0, reaped - self._caller0[1])
        sampled = sum(max(0.0, used - self.start_cpu.get(child, 0.0))
                      for child, used in self.cpu.items())
        self.children = max(0.0, lived + gone, sampled)
        io = procfs.io(pid)
        self.writes = io.get("syscw", 0) - self._io0.get("syscw", 0)
        self.reads = io.get("syscr", 0) - self._io0.get("syscr", 0)

    # ------------------------------------------------------------------ views
    @property
    def began(self) -> float | None:
        """When the block began (time.monotonic(), the clock of `series`); None before."""
        return getattr(self, "_began", None)

    @property
    def pids(self) -> set[int]:
        """Processes under the test's process seen while the call ran (helpers included)."""
        return set(self.cpu)

    def workers(self) -> set[int]:
        """The processes seen under the test's process, multiprocessing's own helpers (its
        resource tracker and fork server) left out; the pool workers a fork server forks
        carry its command line, and count."""
        from ..checks.hygiene import is_helper_process
        return {p for p in self.cpu if not is_helper_process(
            self.cmdlines.get(p, []), self.cmdlines.get(self.parents.get(p), []))}

    def used(self) -> dict[int, float]:
        return {p: max(0.0, c - self.start_cpu.get(p, 0.0)) for p, c in self.cpu.items()}

    def busy(self, min_share: float = 0.15) -> set[int]:
        """Processes that used at least `min_share` of what the children used together."""
        used = self.used()
        total = sum(used.values())
        if total <= 0:
            return set()
        return {pid for pid, c in used.items() if c >= min_share * total}

    def at_once(self) -> float:
        """Worker processes runnable at once, on average over the call (see the module)."""
        if self.wall <= 0:
            return 0.0
        ready = sum(max(0.0, r - self.ready0.get(p, 0.0)) for p, r in self.ready.items()
                    if p in self.workers())
        return ready / self.wall

    def text(self) -> str:
        used = self.used()
        shares = ", ".join(f"{c:.2f} s" for c in sorted(used.values(), reverse=True) if c > 0)
        who = (f"{len([c for c in used.values() if c > 0])} child process(es) used CPU "
               f"({shares})" if shares else "no child process used CPU")
        return f"{who}; your function's own process used {self.caller:.2f} s"
