"""What a student's function returned, as plain built-in values the tests can trust.

A test compares results with ==, len(), `in` and iteration. A class of the student's own
can redefine all of them (an object equal to everything, a list that lies about its
length), so `plain()` rebuilds every returned value from exact built-in types before a
test looks at it:

    plain({0: [1, 2]})            -> an equal dict of lists, built afresh
    plain(collections.defaultdict(list, ...))  -> a plain dict (the standard library's
                                     subclasses keep their meaning)
    plain(AlwaysEqual())          -> NotPlain: "a class defined in your file"

Objects the tests handed in (an exception a test's `handle` raised, a test's own item)
come back as they are: their classes are not the student's.
"""
from __future__ import annotations

import inspect

from . import stacks

SCALARS = (int, float, complex, str, bytes, bool, type(None))
CONTAINERS = (dict, list, tuple, set, frozenset)
MAX_DEPTH = 40


class NotPlain(Exception):
    """The value holds something a test cannot compare safely."""


def _students(cls: type) -> bool:
    try:
        return stacks.is_student_file(inspect.getfile(cls))
    except (TypeError, OSError):
        return False


def _describe(cls: type) -> str:
    return f"an object of class {cls.__name__} (a class defined in your file)"


def plain(value, depth: int = 0):
    t = type(value)
    if t in SCALARS:
        return value
    if depth > MAX_DEPTH:
        raise NotPlain(f"values nested more than {MAX_DEPTH} levels deep")
    base = next((c for c in SCALARS + CONTAINERS if isinstance(value, c)), None)
    if base is not None and t is not base:
        if any(_students(c) for c in t.__mro__):
            raise NotPlain(f"{_describe(t)}, a subclass of {base.__name__}: its ==, len() or "
                           f"iteration may not mean what the built-in {base.__name__}'s do")
        # A standard library subclass (defaultdict, OrderedDict, a namedtuple...): its
        # meaning is the built-in's; the tests see the built-in.
        if base in SCALARS:
            return base(value)
    if base is dict:
        return {plain(k, depth + 1): plain(v, depth + 1) for k, v in dict.items(value)}
    if base in (list, tuple):
        items = list.__iter__(value) if base is list else tuple.__iter__(value)
        return base(plain(v, depth + 1) for v in items)
    if base in (set, frozenset):
        return base(plain(v, depth + 1) for v in (set.__iter__(value) if base is set
                                                   else frozenset.__iter__(value)))
    if any(_students(c) for c in t.__mro__):
        raise NotPlain(f"{_describe(t)}: the tests compare results with ==, len() and "
                       f"iteration, which a class of your own can redefine")
    return value
