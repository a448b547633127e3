"""Can the submission run at all? Asked once, on the trusted side, before any test runs.

A file that is empty, does not compile, or names none of the functions the tests call
cannot pass a single test; running every test on it only repeats the same message under
each of them (13 s, 18 times, and no caret). So the grading stops here with one message,
the line and a caret under the spot, in well under a second, and every test scores 0
pointing at it.

Nothing of the student's runs here: `compile()` parses, it does not execute, and the
functions (those the tests ask for) are looked for in the file's text. Compiling uses the
interpreter the code would run under (another Python may accept syntax this one does
not, or refuse what this one accepts), in a child process when it is not the kit's own.
Errors that only running shows (an import that fails, sys.exit() at the top) are the
sandbox's.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

from .interpreters import Interpreter
from .manifest import Assignment

_COMPILE = """
import json, sys
path = sys.argv[1]
try:
    compile(open(path, "rb").read(), path, "exec", dont_inherit=True)
except SyntaxError as e:
    print(json.dumps({"type": type(e).__name__, "msg": e.msg, "lineno": e.lineno,
                      "offset": e.offset, "end_offset": getattr(e, "end_offset", None),
                      "text": e.text}))
"""


def cannot_run(assignment: Assignment, folder: Path, python: Interpreter | None = None) -> str | None:
    """Why the staged submission in `folder` cannot run (one message), or None."""
    for name in assignment.files:
        path = folder / name
        if not path.is_file():
            continue                    # staging has said so; the tests say it again
        source = path.read_bytes()
        why = _empty(name, source) or _syntax(name, path, source, python) or \
            (_no_contract(name, source, assignment) if name == assignment.files[0] else None)
        if why:
            return why
    return None


def _empty(name: str, source: bytes) -> str | None:
    if source.strip():
        return None
    return (f"{name} is empty: there is no code to test. Hand in the file with your code "
            f"(the stub's functions, filled in).")


def _syntax(name: str, path: Path, source: bytes, python: Interpreter | None) -> str | None:
    error = _compile_here(source, name) if python is None or python.own else \
        _compile_there(path, python)
    if error is None:
        return None
    kind = "an indentation error" if "Indentation" in error["type"] or \
        "TabError" in error["type"] else "a syntax error"
    out = [f"{name} has {kind} at line {error['lineno']}: {error['msg']}. Python cannot "
           f"run the file, so no test could run."]
    out += _caret(error)
    if "codec can't decode" in str(error["msg"]):
        out.append("The file is not UTF-8: save it as UTF-8 (your editor's encoding setting).")
    return "\n".join(out)


def _compile_here(source: bytes, name: str) -> dict | None:
    try:
        compile(source, name, "exec", dont_inherit=True)
    except SyntaxError as e:
        return {"type": type(e).__name__, "msg": e.msg, "lineno": e.lineno, "offset": e.offset,
                "end_offset": getattr(e, "end_offset", None), "text": e.text}
    except ValueError as e:          # source with a NUL byte
        return {"type": "SyntaxError", "msg": str(e), "lineno": 1, "offset": None,
                "end_offset": None, "text": None}
    return None


def _compile_there(path: Path, python: Interpreter) -> dict | None:
    """Compile with the student's interpreter (it parses, runs nothing of theirs)."""
    if python.root is not None:
        return None                     # another system's root: its worker will say
    try:
        out = subprocess.run([python.path, "-I", "-c", _COMPILE, str(path)],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    line = out.stdout.strip().splitlines()[-1:] if out.returncode == 0 else []
    return json.loads(line[0]) if line else None


def _caret(error: dict) -> list[str]:
    """The line, and a caret (or ^^^ under the span) where Python stopped reading."""
    text = (error.get("text") or "").rstrip("\n")
    if not text.strip():
        return []
    indent = len(text) - len(text.lstrip())
    shown = text.strip()
    lines = [f"    {error.get('lineno')} | {shown}"]
    offset = error.get("offset")
    if isinstance(offset, int) and offset >= 1:
        start = max(0, offset - 1 - indent)
        end = error.get("end_offset")
        width = max(1, (end - offset) if isinstance(end, int) and end > offset else 1)
        width = min(width, max(1, len(shown) - start))
        lines.append(" " * (len(f"    {error.get('lineno')} | ") + start) + "^" * width)
    return lines


def _no_contract(name: str, source: bytes, assignment: Assignment) -> str | None:
    """None unless the file names none of the functions the tests call, anywhere (in code,
    a string or a comment: only a file that cannot define them is stopped here), and
    importing it runs nothing but definitions."""
    wanted = called_functions(assignment)
    text = source.decode("utf-8", errors="replace")
    if not wanted or any(fn in text for fn in wanted) or not _inert(source):
        return None
    listed = " and no function ".join(f"{f}()" for f in wanted)
    stub = signatures(assignment.folder / assignment.files[0], wanted)
    return (f"{name} has no function {listed}: those are what the tests call, so no test "
            f"could run. Keep the stub's function names and signatures, and fill them in."
            + "".join(f"\n    {line}" for line in stub))


def signatures(stub: Path, names: list[str]) -> list[str]:
    """`def name(args) -> ret` for each of `names` the stub defines (also the plugin's,
    for a test that asks for a function the student renamed)."""
    try:
        tree = ast.parse(stub.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return []
    found = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return [f"def {n}({ast.unparse(found[n].args)})"
            + (f" -> {ast.unparse(found[n].returns)}" if found[n].returns else "")
            for n in names if n in found]


_INERT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
          ast.Pass)


def _inert(source: bytes) -> bool:
    """Does importing the file only define things? Code that runs at import (a loop, a
    call, sys.exit()) is the sandbox's to run and report, with its limits: the verdict
    is 0 either way, but the message must be about what that code did."""
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return False
    for node in body:
        if isinstance(node, _INERT):
            continue
        value = node.value if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
        if value is None:
            return False
        try:
            ast.literal_eval(value)       # a docstring, NAME = 3: inert; a call: not
        except ValueError:
            return False
    return True


_CALLED = re.compile(r"""student_function\(\s*["']([A-Za-z_][A-Za-z_0-9]*)["']""")


def called_functions(assignment: Assignment) -> list[str]:
    """The functions the assignment's tests ask of the student (student_function("name")):
    the contract, read from the grader's tests, not from the student's copy of the stub."""
    found: list[str] = []
    for test_file in sorted(assignment.tests_dir.glob("*.py")):
        for fn in _CALLED.findall(test_file.read_text(encoding="utf-8", errors="replace")):
            if fn not in found:
                found.append(fn)
    return found
