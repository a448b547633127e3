"""Resource limits of a worker, set by its first line (before the student's import) and
inherited by everything it starts. The jail (autograder/jail.py) says which, in CK_LIMITS:

    FSIZE   no file past the output cap (printed output goes to a file: gigabytes printed
            fail with EFBIG, "File too large", instead of filling the disk)
    CORE    no core dumps
    NPROC, AS, CPU, NOFILE  as the jail asks (as an unprivileged user the worker cannot
            raise them again)
"""
from __future__ import annotations

import os

DEFAULT_FSIZE_MB = 64


def apply(max_file_mb: int = DEFAULT_FSIZE_MB) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    wanted = {"FSIZE": max_file_mb << 20, "CORE": 0}
    for item in os.environ.get("CK_LIMITS", "").split(","):
        name, _, value = item.partition("=")
        if name and value.isdigit():
            wanted[name] = int(value)
    for name, value in wanted.items():
        what = getattr(resource, f"RLIMIT_{name}", None)
        if what is None:
            continue
        try:
            soft, hard = resource.getrlimit(what)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(what, (value, value))
        except (ValueError, OSError):
            pass
