"""Assignment 5: crunch with processes.

The data processing of lesson 7, section III ("The Think Tank", Pattern 2), in one
process: every value is computed one after another by a single researcher, while the
other cores sit idle. The results are right; the contract's argument checks are missing.
Your job: spread the chunks over a process pool, combine the chunks' results correctly,
and keep the contract in the docstring.
README.md in this folder says what is graded; hints.md helps when you are stuck.
Check your work with `make check ASSIGNMENT=5`.
"""
import math


def crunch(n_items, chunk_size=100_000, max_workers=None) -> dict:
    """The lesson's section III data processing: for value in range(n_items) compute
    value**2 + math.sin(value) * 100, in chunks spread over a process pool. Returns
    {'items', 'sum', 'average', 'min', 'max'}; for n_items == 0 the last three are None;
    n_items < 0 or chunk_size < 1 raise ValueError."""
    # One researcher does everything (sequential): chunk_size and max_workers are unused.
    processed_items = []
    total_sum = 0
    for value in range(n_items):
        processed_value = value ** 2 + math.sin(value) * 100
        processed_items.append(processed_value)
        total_sum += processed_value
    return {
        'items': len(processed_items),
        'sum': total_sum,
        'average': total_sum / len(processed_items),
        'min': min(processed_items),
        'max': max(processed_items),
    }
