"""Hostile: reports every service 'timeout' at once and runs nothing, the one status that
needs no answer from a service. Nothing left running, never more than max_workers checks
in flight, {} for {}: every hygiene test would pass by doing nothing. But a check reported
'timeout' that never started, while workers were free, is not believed, and a check given
right after {} must be run: nothing is earned.
Scores: 0
"""


def check_services(checks, timeout, max_workers=8, on_result=None) -> dict:
    return {name: "timeout" for name in checks}
