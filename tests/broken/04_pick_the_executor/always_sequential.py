"""Always picks 'sequential' ("simple is better than complex"), without measuring: waiting
work waits for each item in turn, and thinking work uses one core of several.

Fails: test_waiting_work_picks_threads, test_thinking_work_picks_processes,
    test_run_best_waiting_near_best, test_mocked_requests_pick_threads,
    test_run_best_thinking_work_in_processes,
    test_choice_comes_from_measuring
"""


def choose_executor(func, items) -> str:
    """'sequential', 'threads' or 'processes' for running func over items. May call func on a
    few items to measure it."""
    return "sequential"                    # FLAW: whatever the work is


def run_best(func, items) -> list:
    """[func(x) for x in items], run the way choose_executor picks."""
    return [func(item) for item in items]
