"""No pool at all: a plain loop. Right results, but heavy items run one after another in
one process, and tiny items are not batched either: nothing is shipped to a pool at all
(the kernel sees the caller do all the work), and shipping nothing is not batching. Nor
is it a pool that leaves no worker behind, works under spawn or keeps to max_workers: those
points go only with work done in worker processes, and a plain loop keeps only the
results tests' (9 of 34).

Fails: test_tiny_items_sent_in_batches, test_tiny_items_faster_than_one_task_each,
    test_heavy_items_run_in_several_processes, test_heavy_items_speedup,
    test_no_child_left_behind, test_start_methods[spawn], test_start_methods[forkserver],
    test_empty_input, test_other_sizes[10001_items_3_workers],
    test_other_sizes[3_items_2_workers], test_other_sizes[500_items_1_worker],
    test_tiny_items_batched_other_sizes, test_no_child_left_after_an_exception
"""


def parallel_map(func, items, max_workers=None) -> list:
    """[func(x) for x in items], computed in a process pool, items sent in batches."""
    if max_workers is not None and max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    return [func(x) for x in items]
