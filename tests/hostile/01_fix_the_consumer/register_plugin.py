"""Hostile: the stub, and at import it reaches for the live pytest config (through
autograder.plugin, pytest's config stash, the gc) to register a pytest_pyfunc_call hook
that passes every test without running it. There is no pytest where the student's code
runs: it finds nothing to register with, and earns what the stub earns.
Scores: 17
Base: stub
"""


def _register():
    import gc
    found = []
    try:
        import autograder.plugin as plugin        # not in the worker's file system
        found.append(plugin._CONFIG)
    except Exception:
        pass
    for obj in gc.get_objects():
        if type(obj).__name__ == "Config" and hasattr(obj, "pluginmanager"):
            found.append(obj)

    class Pass:
        def pytest_pyfunc_call(self, pyfuncitem):
            return True

    for config in found:
        try:
            config.pluginmanager.register(Pass(), "ck-pass-everything")
        except Exception:
            pass


_register()
