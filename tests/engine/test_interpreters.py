"""autograder.interpreters: the Python the student's code runs under (`--python`), and
the worker runtime on an interpreter that is not the kit's."""
from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

from autograder import interpreters, manifest
from autograder.grading.worker import RUNTIME

OTHER = next((p for p in ("/usr/bin/python3.11", "/usr/bin/python3", "/usr/local/bin/python3")
              if os.path.exists(p) and os.path.realpath(p) != os.path.realpath(sys.executable)),
             None)
needs_other = pytest.mark.skipif(OTHER is None, reason="no second CPython on this machine")


def test_the_kits_own_python_is_its_own():
    own = interpreters.probe(sys.executable)
    assert own.own and own.root is None and own.version == tuple(sys.version_info[:3])
    assert "Python 3." in own.describe()


@pytest.mark.parametrize("spec, says", [
    ("/no/such/python", "does not exist"),
    ("no-such-python-anywhere", "no such interpreter on PATH"),
    ("/bin/true", "not a Python the kit can use"),
])
def test_what_cannot_grade_says_why(spec, says):
    with pytest.raises(interpreters.InterpreterError, match=says):
        interpreters.probe(spec)


def test_a_module_the_assignment_needs_must_be_there():
    with pytest.raises(interpreters.InterpreterError, match="has no no_such_module_ck"):
        interpreters.probe(sys.executable, needs=("no_such_module_ck",))


def test_what_each_assignment_needs_beyond_the_standard_library():
    needs = {a.number: interpreters.needs(a) for a in manifest.load()}
    assert needs[2] == ("requests",) and needs[1] == ()


def test_a_path_inside_another_systems_root_is_found(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text("ID=debian\n")
    (tmp_path / "usr" / "lib").mkdir(parents=True)
    assert interpreters.system_root(tmp_path / "usr" / "bin" / "python3.14") == tmp_path
    assert interpreters.system_root(Path(sys.executable).resolve()) is None


@pytest.mark.parametrize("path", sorted(RUNTIME.glob("*.py")), ids=lambda p: p.name)
def test_the_worker_runtime_is_python_3_10(path):
    """The runtime runs on every Python students use: nothing newer than 3.10's syntax."""
    ast.parse(path.read_text(), feature_version=(3, 10))


@needs_other
def test_the_worker_runs_on_another_python(worker_of):
    worker, report = worker_of('''
        import sys, threading
        def which():
            t = threading.Thread(target=lambda: None)
            t.start(); t.join()
            return list(sys.version_info[:2]), sys.executable
    ''', python=OTHER)
    assert report.ok, report
    session = worker.session()
    version, executable = session.call("which", (), {}).value
    assert executable == OTHER and os.path.realpath(executable) != os.path.realpath(sys.executable)
    assert version == list(interpreters.probe(OTHER).version[:2])
    session.close()
