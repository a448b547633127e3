"""The test's worker session (judge engine), for the helpers that act on it: timing runs
the judge's own timed runs with it frozen, start_method switches its start method. None
when the tests run in the student's process. Set by the plugin around each test."""
SESSION: list = [None]


def session():
    return SESSION[0]
