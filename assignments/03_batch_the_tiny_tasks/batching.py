"""Assignment 3: batch the tiny tasks.

A process pool written the way lesson 7, section III shows it: one `executor.submit()`
per item. On a handful of heavy items that is fine. On twenty thousand tiny ones, every
item travels to a worker on its own, and the overhead of shipping it costs far more than
the work. Your job: keep the pool, send the items in batches. README.md in this folder
says what is graded; hints.md helps when you are stuck. Check your work with
`make check ASSIGNMENT=3`.
"""
import concurrent.futures


def parallel_map(func, items, max_workers=None) -> list:
    """[func(x) for x in items], computed in a process pool, items sent in batches."""
    with concurrent.futures.ProcessPoolExecutor(max_workers=max_workers) as executor:
        # One task per item: each one is pickled, sent to a worker, run, and sent back.
        futures = [executor.submit(func, x) for x in items]
        # Collect the results in the order of the items.
        return [future.result() for future in futures]
