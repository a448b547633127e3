"""Correct alternative: asyncio, as far as the contract allows. The coordination is an
event loop's: an asyncio.Queue(maxsize=queue_size) before every stage, workers_per_stage
worker coroutines per stage, a stop signal per worker sent by the last worker of the
stage before. The stage calls (and every next() of the input, which may pause) run in
threads: a ThreadPoolExecutor of workers_per_stage threads per stage, so each stage is
still served by its own threads, and all of them are shut down before returning.

Scores: 33
"""
import asyncio
from concurrent.futures import ThreadPoolExecutor

_STOP = object()
_DONE = object()


def _counts(workers_per_stage, n_stages):
    if isinstance(workers_per_stage, int):
        counts = [workers_per_stage] * n_stages
    else:
        counts = list(workers_per_stage)
        if len(counts) != n_stages:
            raise ValueError(f"{len(counts)} worker counts for {n_stages} stages")
    if any(not isinstance(c, int) or c < 1 for c in counts):
        raise ValueError(f"every stage needs at least one worker, not {counts}")
    return counts


async def _run(items, stages, counts, queue_size):
    loop = asyncio.get_running_loop()
    inboxes = [asyncio.Queue(maxsize=queue_size) for _ in stages]
    pools = [ThreadPoolExecutor(max_workers=c, thread_name_prefix=f"stage{k}")
             for k, c in enumerate(counts)]
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader")
    left = list(counts)
    results = {}

    async def produce():
        source = iter(items)
        index = 0
        try:
            while True:
                item = await loop.run_in_executor(reader, next, source, _DONE)
                if item is _DONE:
                    break
                await inboxes[0].put((index, item))
                index += 1
        finally:
            for _ in range(counts[0]):
                await inboxes[0].put(_STOP)

    async def work(k):
        while True:
            job = await inboxes[k].get()
            if job is _STOP:
                break
            index, value = job
            try:
                value = await loop.run_in_executor(pools[k], stages[k], value)
            except Exception as exc:
                results[index] = exc
                continue
            if k + 1 < len(stages):
                await inboxes[k + 1].put((index, value))
            else:
                results[index] = value
        left[k] -= 1
        if left[k] == 0 and k + 1 < len(stages):
            for _ in range(counts[k + 1]):
                await inboxes[k + 1].put(_STOP)

    try:
        await asyncio.gather(produce(), *(work(k) for k, c in enumerate(counts)
                                          for _ in range(c)))
    finally:
        for pool in pools + [reader]:
            pool.shutdown(wait=True)
    return [results[i] for i in range(len(results))]


def run_pipeline(items, stages, workers_per_stage=1, queue_size=3) -> list:
    """Each item passes through every callable in `stages`, in order, each stage served by
    its own threads (workers_per_stage: an int, or one int per stage) and joined to the next
    by a queue bounded at queue_size. Returns the outputs in input order; where a stage raised,
    that item's output is the exception and the pipeline goes on."""
    stages = list(stages)
    counts = _counts(workers_per_stage, len(stages))
    if not stages:
        return list(items)
    return asyncio.run(_run(items, stages, counts, queue_size))
