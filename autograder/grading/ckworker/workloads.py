"""CPU work for the student's process pools, whose results can only be had by doing it.

A workload crosses to the worker as its name and parameters ("$w" in wire.py) and is
built here as an object of this module: picklable by name, so a pool started with fork,
spawn or forkserver can run it. Every one is keyed: the judge draws a key per test, and
a result depends on the key in a way no shortcut reaches (a keyed hash, then a chain of
xorshift-multiply steps that has no closed form). The judge, which imports this very
module, checks results against its own run of the same code.

    Spin(key)(n)         about n steps of pure-Python work (it holds the GIL)
    Tiny(key, rounds)(x) a few microseconds: far less than shipping x to a process costs
    Label(key)(word)     (WORD, 'tag-' and 4 keyed letters): results that are not ints
    SlowAt(inner, at, delay)(x)   inner(x), after `delay` s of sleep when x == at
    FailOn(key, bad, inner)(x)    raises WorkerError(x) for the items in `bad` (kept
                         as keyed hashes: the set cannot be read off the object)
"""
from __future__ import annotations

import hashlib
import time

_REGISTRY: dict[str, type] = {}
MASK = (1 << 64) - 1


class WorkerError(Exception):
    """What FailOn raises for the items it fails on."""


class Workload:
    """Base of the workloads: `name` registers the class; `fields` are its parameters."""

    _ck_workload = True
    name = ""
    fields: tuple = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.name:
            _REGISTRY[cls.name] = cls

    def __init__(self, **params) -> None:
        for field in self.fields:
            setattr(self, field, params[field])

    def spec(self) -> dict:
        """Name and parameters (objects: the side that sends it encodes them, a nested
        workload as a workload, a double of the judge's as a reference)."""
        return {"name": self.name, "params": {f: getattr(self, f) for f in self.fields}}

    _ck_spec = spec

    def __repr__(self) -> str:
        return "<func (the grader's)>"


def build(name: str, params: dict) -> Workload:
    """The workload `name` with its (decoded) parameters."""
    cls = _REGISTRY.get(str(name))
    if cls is None or not isinstance(params, dict) or not all(f in params for f in cls.fields):
        raise ValueError(f"no workload {name!r} with those parameters")
    return cls(**{f: params[f] for f in cls.fields})


def _seed(key: str, x) -> int:
    digest = hashlib.blake2b(repr(x).encode(), key=bytes.fromhex(key), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def chain(acc: int, steps: int) -> int:
    """`steps` rounds of xorshift-multiply on 64 bits, in pure Python."""
    for i in range(steps):
        acc ^= acc >> 29
        acc = (acc * 0xBF58476D1CE4E5B9 + i) & MASK
    return acc


class Spin(Workload):
    name = "spin"
    fields = ("key",)

    def __call__(self, n):
        return chain(_seed(self.key, n), int(n))


class Tiny(Workload):
    name = "tiny"
    fields = ("key", "rounds")

    def __call__(self, x):
        return chain(_seed(self.key, x), self.rounds) % 1_000_003


class Label(Workload):
    name = "label"
    fields = ("key",)

    def __call__(self, word):
        tag = "".join(chr(97 + b % 26) for b in hashlib.blake2b(
            str(word).encode(), key=bytes.fromhex(self.key), digest_size=4).digest())
        return (str(word).upper(), "tag-" + tag)


class SlowAt(Workload):
    name = "slow_at"
    fields = ("inner", "at", "delay")

    def __call__(self, x):
        if x == self.at:
            time.sleep(self.delay)
        return self.inner(x)


class FailOn(Workload):
    name = "fail_on"
    fields = ("key", "bad", "inner")

    def __call__(self, x):
        if hashlib.blake2b(repr(x).encode(), key=bytes.fromhex(self.key),
                           digest_size=8).hexdigest() in self.bad:
            raise WorkerError(x)
        return self.inner(x)


def fail_on(key: str, bad, inner: Workload) -> FailOn:
    """The judge's way to make a FailOn: the bad items hashed under the key."""
    hashed = sorted(hashlib.blake2b(repr(x).encode(), key=bytes.fromhex(key),
                                    digest_size=8).hexdigest() for x in bad)
    return FailOn(key=key, bad=hashed, inner=inner)


# ---------------------------------------------------- one kind of task for every work
# Assignment 4 decides how to run a function by measuring it. Its three kinds of work
# (waiting, thinking, almost nothing) are one class, with the same fields and the same
# kind of items: what a task does is in `code`, masked under its key, so it shows only
# when the task runs. A task that waits, or thinks, hands its value to the judge's
# ledger (`judge`, a double of the judge's), which waits there if the task waits, counts
# the call, notes the process it came from, and returns the final result: a result no
# process can have without that call.

def _keystream(key: str, size: int) -> bytes:
    out, counter = b"", 0
    while len(out) < size:
        out += hashlib.blake2b(f"spec:{counter}".encode(), key=bytes.fromhex(key)).digest()
        counter += 1
    return out[:size]


def mask(key: str, plan: dict) -> str:
    """`plan` ({"steps": n, "ledger": bool}) as a task's code under `key`."""
    import json
    data = json.dumps(plan, sort_keys=True).encode().ljust(64)   # every code one length
    return bytes(a ^ b for a, b in zip(data, _keystream(key, len(data)))).hex()


def unmask(key: str, code: str) -> dict:
    import json
    data = bytes.fromhex(code)
    return json.loads(bytes(a ^ b for a, b in zip(data, _keystream(key, len(data)))))


class Task(Workload):
    name = "task"
    fields = ("key", "code", "judge")

    def __call__(self, x):
        plan = getattr(self, "_plan", None)
        if plan is None:
            plan = self._plan = unmask(self.key, self.code)
        value = chain(_seed(self.key, x), int(plan["steps"]))
        if plan.get("ledger") and self.judge is not None:
            return self.judge(x, value)
        return value % 1_000_003

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_plan", None)
        return state


class Pause(Workload):
    """A task's judge, for the grader's own runs of it: waits `seconds`, then the value."""

    name = "pause"
    fields = ("seconds",)

    def __call__(self, x, value):
        if self.seconds:
            time.sleep(self.seconds)
        return value % 1_000_003
