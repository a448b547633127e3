"""grading/evidence.py TreeCpu: what the kernel says a call's processes did. Pure CPU
work in pool processes, side by side and one after another, with decoys beside a caller
that computes everything: each reads as what it is."""
from __future__ import annotations

import pytest

SOURCE = '''
    import multiprocessing as mp
    import time
    from concurrent.futures import ProcessPoolExecutor


    def burn(seconds):
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass
        return seconds


    def side_by_side(seconds, method="fork"):
        ctx = mp.get_context(method)
        with ProcessPoolExecutor(2, mp_context=ctx) as pool:
            return list(pool.map(burn, [seconds / 4] * 4))


    def one_at_a_time(seconds):
        ctx = mp.get_context("fork")
        with ProcessPoolExecutor(2, mp_context=ctx) as pool:
            return [pool.submit(burn, seconds / 8).result() for _ in range(8)]


    def decoys_and_caller(seconds):
        ctx = mp.get_context("fork")
        decoys = [ctx.Process(target=burn, args=(seconds / 2,)) for _ in range(2)]
        for d in decoys:
            d.start()
        burn(seconds)
        for d in decoys:
            d.join()
        return [seconds]
'''


@pytest.fixture
def measured(worker_of):
    from autograder.grading.evidence import TreeCpu
    worker, report = worker_of(SOURCE)
    assert report.ok, report

    def run(name, seconds=0.6, *args):
        session = worker.session()
        try:
            with TreeCpu(session, interval=0.02) as cpu:
                outcome = session.call(name, (seconds, *args), {}, timeout=30)
            assert outcome.finished and outcome.error is None, outcome.error
            return cpu
        finally:
            session.close()
    return run


def test_work_side_by_side_reads_as_two_processes_at_once(measured):
    cpu = measured("side_by_side")
    assert len(cpu.busy()) == 2 and cpu.children >= 0.5
    assert cpu.caller < 0.1
    # Runnable time counts waiting for a CPU too: two at once even on a busy machine.
    assert cpu.at_once() >= 1.5, cpu.at_once()


def test_workers_a_fork_server_forks_count_though_they_carry_its_command_line(measured):
    """Python 3.14's default on Linux: the pool's workers are the fork server's children,
    with its command line; the fork server itself is a helper, not a worker."""
    cpu = measured("side_by_side", 1.2, "forkserver")      # its start (~0.1 s) a small part
    assert len(cpu.workers()) >= 2 and cpu.at_once() >= 1.5, (cpu.workers(), cpu.at_once())


def test_work_one_task_at_a_time_reads_as_one_process_at_once(measured):
    cpu = measured("one_at_a_time")
    assert len(cpu.busy()) == 2            # both workers had a share...
    assert cpu.at_once() <= 1.3, cpu.at_once()   # ...never together


def test_decoys_beside_a_caller_that_computes_everything_show_the_caller(measured):
    cpu = measured("decoys_and_caller")
    assert cpu.caller >= 0.5 and "your function's own process used" in cpu.text()
