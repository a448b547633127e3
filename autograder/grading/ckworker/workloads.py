"""CPU work for the student's process pools, whose results can only be had by doing it.

A workload crosses to the worker as its name and parameters ("$w" in wire.py) and is
built here as an object of this module: picklable by name, so a pool started with fork,
spawn or forkserver can run it. Every one is keyed: the judge draws a key per test, and
a result depends on the key in a way no shortcut reaches (a keyed hash, then a chain of
xorshift-multiply steps that has no closed form). The judge, which imports this very
module, checks results against its own run of the same code.

    Spin(key)(n)         about n steps of pure-Python work (it holds the GIL)
    Tiny(key, rounds)(x) a few microseconds: far less than shipping x to a process costs
    Label(key)(word)     (WORD, a keyed tag): results that are not ints
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
        params = {}
        for f in self.fields:
            value = getattr(self, f)
            params[f] = value.spec() if isinstance(value, Workload) else value
        return {"name": self.name, "params": params}

    _ck_spec = spec

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.spec() == self.spec()

    def __hash__(self) -> int:
        return hash(repr(self.spec()))

    def __repr__(self) -> str:
        return "<func (the grader's)>"


def build(body: dict) -> Workload:
    cls = _REGISTRY.get(str(body.get("name")))
    if cls is None:
        raise ValueError(f"no workload {body.get('name')!r}")
    params = dict(body.get("params") or {})
    for f in cls.fields:
        if isinstance(params.get(f), dict) and "name" in params[f]:
            params[f] = build(params[f])
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
        return (str(word).upper(), tag)


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
