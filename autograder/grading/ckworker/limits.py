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


def drop_to(uid: int) -> None:
    """Become `uid` for good (a test's process, forked from a zygote that runs as root
    inside the jail): no supplementary groups, that user's group, no capabilities left,
    no way back through a setuid program (no_new_privs). The zygote stays root, so the
    test's process can neither signal it nor read it; nor anything of the grader's."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break                          # past the last capability this kernel knows
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("could not become the test's user")
