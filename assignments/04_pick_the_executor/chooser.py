"""Assignment 4: pick the executor.

Lesson 7's decision helper (sections I and V) decides between threads and processes by
looking for keywords in a description of the task. Here the "description" is the
function's name and docstring, and that is the problem: the functions you will be given
are called things like `task_1` and have no docstring at all. Your job: decide by
*measuring* the work instead. README.md in this folder says what is graded; hints.md helps
when you are stuck. Check your work with `make check ASSIGNMENT=4`.
"""
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

# The lesson's keyword lists (concurrency_decision_helper).
IO_KEYWORDS = ['download', 'upload', 'request', 'database', 'file', 'network', 'api', 'web']
CPU_KEYWORDS = ['calculate', 'compute', 'process', 'analyze', 'transform', 'generate']


def choose_executor(func, items) -> str:
    """'sequential', 'threads' or 'processes' for running func over items. May call func on a
    few items to measure it."""
    description = f"{getattr(func, '__name__', '')} {func.__doc__ or ''}".lower()
    io_score = sum(1 for keyword in IO_KEYWORDS if keyword in description)
    cpu_score = sum(1 for keyword in CPU_KEYWORDS if keyword in description)
    if io_score > cpu_score:
        return "threads"        # I/O-bound: lots of waiting, the GIL is released meanwhile
    if cpu_score > io_score:
        return "processes"      # CPU-bound: needs separate interpreters
    return "threads"            # mixed or unclear: "start with threads, profile, then decide"


def run_best(func, items) -> list:
    """[func(x) for x in items], run the way choose_executor picks."""
    items = list(items)
    choice = choose_executor(func, items)
    if choice == "threads":
        with ThreadPoolExecutor(max_workers=5) as executor:
            return list(executor.map(func, items))
    if choice == "processes":
        with ProcessPoolExecutor() as executor:
            return list(executor.map(func, items))
    return [func(item) for item in items]
