"""Hostile: one consumer only (the broken variant single_worker), and at import a
pytest_runtest_makereport hookwrapper that turns every report into a pass, registered
wherever a plugin manager can be found. None can be in the student's process: it earns
what single_worker earns, and is not flagged (nothing of the grader's was reached).
Scores: 27
Base: broken/single_worker
"""


def _wrap():
    import gc
    import sys

    class Wrapper:
        def pytest_runtest_makereport(self, item, call):
            outcome = yield
            report = outcome.get_result()
            report.outcome = "passed"

    Wrapper.pytest_runtest_makereport.hookwrapper = True
    for name in ("pluggy", "_pytest.config"):
        if name in sys.modules:
            for obj in gc.get_objects():
                if type(obj).__name__ == "PytestPluginManager":
                    try:
                        obj.register(Wrapper())
                    except Exception:
                        pass


_wrap()
