"""Hostile: reports statuses without running the checks, by reading them: their closures
(inspect.getclosurevars), their code's constants, a hung check's release.wait in its code
names. The checks are the grader's: the worker holds only references that say nothing, so
every status comes out 'healthy', at once, without running any check. The grader logs
every call of its checks and believes a status only if a finished call backs it: nothing
is earned, not even the tests where 'healthy' is right, nor the hygiene tests (bounded,
no thread left, {} at once) a monitor that runs nothing would pass by doing nothing.
Scores: 0
"""
import inspect


def _guess(check):
    try:
        names = inspect.getclosurevars(check)
        text = repr(names) + repr(getattr(check, "__code__", None) and check.__code__.co_names)
    except Exception:
        text = ""
    if "wait" in text or "release" in text:
        return "timeout"
    if "raise" in text or "Error" in text:
        return "error"
    if "False" in text:
        return "unhealthy"
    return "healthy"


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    checks = dict(checks)
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    statuses = {name: _guess(check) for name, check in checks.items()}
    if on_result is not None:
        for name, status in statuses.items():
            on_result(name, status)
    return statuses
