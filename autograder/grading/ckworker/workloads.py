"""CPU work for the student's process pools, whose results can only be had by doing it.

A workload is shipped to the worker as its name and parameters ("$w" in wire.py) and
built here as an object of this module: picklable by name, so a pool started with fork,
spawn or forkserver can run it. The judge, which imports this very module, checks every
result against its own.
"""
from __future__ import annotations

_REGISTRY: dict[str, type] = {}


class WorkerError(Exception):
    """What a workload raises for the items it is told to fail on."""


class Workload:
    """Base of the workloads: `name` registers the class; parameters are its fields."""

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
        return {"name": self.name, "params": {f: getattr(self, f) for f in self.fields}}

    _ck_spec = spec

    def __repr__(self) -> str:
        return f"<{self.name} (the grader's)>"


def build(body: dict) -> Workload:
    cls = _REGISTRY.get(str(body.get("name")))
    if cls is None:
        raise ValueError(f"no workload {body.get('name')!r}")
    params = body.get("params") or {}
    return cls(**{f: params[f] for f in cls.fields})
