"""asyncio: an asyncio.Queue(maxsize=queue_size) between a producer task and num_workers
consumer tasks, one sentinel per consumer. The blocking parts run in threads: pulling the
next item (which may pause) with asyncio.to_thread on the loop's default executor, and
handle on an executor of exactly num_workers threads (the contract's consumer threads), so
all of them can wait at once. Both executors are shut down before returning.

Scores: 32
"""
import asyncio
import concurrent.futures

_STOP = object()


def process_all(items, handle, num_workers=3, queue_size=5) -> dict:
    """A producer thread feeds `items` (any iterable, possibly slow: a generator that pauses)
    through a queue bounded at `queue_size` to `num_workers` consumer threads that call
    `handle(item)`. Returns {index: handle(item)} for every item, or {index: exception} where
    handle raised."""
    return asyncio.run(_main(items, handle, num_workers, queue_size))


async def _main(items, handle, num_workers, queue_size):
    with concurrent.futures.ThreadPoolExecutor(max_workers=num_workers) as consumers:
        return await _run(items, handle, num_workers, queue_size, consumers)


async def _run(items, handle, num_workers, queue_size, consumers):
    loop = asyncio.get_running_loop()
    work = asyncio.Queue(maxsize=queue_size)
    results = {}

    async def produce():
        it = iter(items)
        index = 0
        try:
            while True:
                item = await asyncio.to_thread(next, it, _STOP)
                if item is _STOP:
                    return
                await work.put((index, item))
                index += 1
        finally:
            for _ in range(num_workers):
                await work.put(_STOP)

    async def consume():
        while True:
            job = await work.get()
            if job is _STOP:
                return
            index, item = job
            try:
                results[index] = await loop.run_in_executor(consumers, handle, item)
            except Exception as exc:
                results[index] = exc

    await asyncio.gather(produce(), *(consume() for _ in range(num_workers)))
    return results
