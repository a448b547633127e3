"""The test's worker session, for the helpers that act on it: timing runs the judge's own
timed runs with it frozen, start_method switches its start method. None outside a test
that asked for the student's code. Set by the plugin around each test."""
SESSION: list = [None]


def session():
    return SESSION[0]
