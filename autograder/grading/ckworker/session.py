"""One test's process: forked from the zygote, it imports the student's module, serves that
test's calls and dies with it.

The main thread runs what the judge asks ("call this function with these arguments"),
one request after another, as a student's own program would run it. A reader thread
(link.py) answers the judge's questions while a call runs: where every thread is (for a
hang's feedback), which threads died of an exception, what the student's code replaced.
"""
from __future__ import annotations

import faulthandler
import importlib
import os
import queue
import sys
import threading

from . import confess, link, remote, wire


class Session:
    def __init__(self, module, config: dict, snapshot) -> None:
        self.module = module
        self.config = config
        self.snapshot = snapshot
        self.inbox: queue.Queue = queue.Queue()
        self.deaths: list[dict] = []
        self.link: link.Link | None = None

    # ------------------------------------------------------------ reader thread
    def handle(self, message: dict) -> None:
        op = message.get("op")
        if op in ("call", "config", "echo"):
            self.inbox.put(message)
        elif op == "stacks":
            self.answer(message, stacks=stacks())
        elif op == "deaths":
            self.answer(message, deaths=list(self.deaths))
        elif op == "confess":
            self.answer(message, tampered=self.confess())
        elif op in ("eof", "exit"):
            _leave()

    def answer(self, request: dict, **fields) -> None:
        try:
            self.link.send({"op": "answer", "id": request.get("id"), **fields})
        except link.Gone:
            _leave()

    def confess(self) -> list[str]:
        found = self.snapshot.changed() if self.snapshot is not None else []
        found += confess.planted(remote.STUDENT["root"] or "", remote.STUDENT["modules"])
        return sorted(set(found))

    # --------------------------------------------------------------- main thread
    def loop(self) -> None:
        while True:
            message = self.inbox.get()
            if message.get("op") == "config":
                self.answer(message, ok=True, **self.configure(message))
            elif message.get("op") == "echo":
                # The cost of a call that does nothing: the judge weighs its timings with it.
                try:
                    value = remote.encode(remote.decode(message.get("args") or []))
                except (wire.WireError, RecursionError):
                    value = []
                self.answer(message, ok=True, value=value)
            else:
                self.answer(message, **self.call(message))

    def configure(self, message: dict) -> dict:
        out = {}
        method = message.get("start_method")
        if method:
            import multiprocessing
            out["previous"] = multiprocessing.get_start_method(allow_none=True)
            try:
                multiprocessing.set_start_method(method, force=True)
            except ValueError as exc:
                out["error"] = str(exc)
        if message.get("web") is not None:
            from . import web
            out["web"] = web.install(int(message["web"]))
        return out

    def call(self, message: dict) -> dict:
        name = str(message.get("fn") or "")
        try:
            args = remote.decode(message.get("args") or [])
            kwargs = remote.decode(message.get("kwargs") or {"$d": []})
        except wire.WireError as exc:
            return {"ok": False, "error": remote.encode(RuntimeError(f"bad request: {exc}"))}
        fn = getattr(self.module, name, None)
        if not callable(fn):
            return {"ok": False, "missing": name}
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - the student's exception is the answer
            return {"ok": False, "error": _encode_error(exc)}
        try:
            return {"ok": True, "value": remote.encode(value)}
        except (wire.WireError, RecursionError) as exc:
            return {"ok": False, "unsendable": str(exc)[:300],
                    "type": type(value).__name__[:100]}


def _encode_error(exc: BaseException):
    try:
        return remote.encode(exc)
    except BaseException:  # noqa: BLE001
        return {"$e": {"type": type(exc).__name__[:100], "module": "", "message": "",
                       "args": None, "token": None, "student": False, "frames": []}}


def stacks() -> list[dict]:
    """Every thread but this runtime's: name, ids, frames (innermost last)."""
    by_ident = {t.ident: t for t in threading.enumerate()}
    out = []
    for ident, frame in sys._current_frames().items():
        thread = by_ident.get(ident)
        if thread is not None and getattr(thread, "_ck_runtime", False):
            continue
        out.append({"ident": ident, "native": getattr(thread, "native_id", None),
                    "name": thread.name[:80] if thread else f"thread {ident}",
                    "daemon": bool(thread.daemon) if thread else False,
                    "main": thread is threading.main_thread(),
                    "frames": wire.frames_of_stack(frame)})
    return out


def _leave() -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)


def import_student(name: str, submission: str, stackfile: str, timeout: float):
    """(module, report): the student's module imported here, in the test's own process,
    and what the judge needs to know of it (what failed, its functions, what it replaced).
    An import that runs past `timeout` leaves where it was in `stackfile` (faulthandler);
    the judge, which gets no "ready", reads it from there."""
    if not os.path.isfile(os.path.join(submission, f"{name}.py")):
        return None, {"ok": False, "kind": "missing"}
    with open(stackfile, "w") as stack:
        faulthandler.dump_traceback_later(timeout, file=stack, exit=False)
        try:
            sys.modules.pop(name, None)
            module = importlib.import_module(name)
        except SyntaxError as exc:
            return None, {"ok": False, "kind": "syntax", "line": exc.lineno,
                          "offset": exc.offset, "text": (exc.text or "").rstrip("\n")[:300],
                          "msg": str(exc.msg)[:300], "file": os.path.basename(exc.filename or "")}
        except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a student bug too
            return None, {"ok": False, "kind": "raised", "error": _encode_error(exc)}
        finally:
            faulthandler.cancel_dump_traceback_later()
    return module, {"ok": True, "functions": _functions(module)}


def _functions(module) -> dict:
    import inspect
    out = {}
    for name, value in list(vars(module).items()):
        if name.startswith("_") or not callable(value) or isinstance(value, type):
            continue
        try:
            out[name] = str(inspect.signature(value))[:300]
        except (TypeError, ValueError):
            out[name] = "(...)"
    return out


def run(name: str, config: dict, request: dict, snapshot) -> None:
    """In the forked child: become the test's process. Never returns."""
    try:
        if config.get("uid") is not None and os.geteuid() == 0:
            from . import limits
            limits.drop_to(int(config["uid"]))
        os.umask(0o077)
        out = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        link.ADDRESS.update(path=request["path"], token=request["token"])
        state = Session(None, request, snapshot)

        def died(args) -> None:
            thread = args.thread
            state.deaths.append({
                "name": thread.name[:80] if thread else "?",
                "native": getattr(thread, "native_id", None),
                "error": _encode_error(args.exc_value) if args.exc_value is not None else None})

        threading.excepthook = died
        state.link = link.Link(request["path"], request["token"], "session",
                               handler=state.handle)
        link.adopt(state.link)
        module, report = import_student(name, config["submission"], request["stackfile"],
                                        float(config["timeout"]))
        state.module = module
        sys.stdout.flush()
        sys.stderr.flush()
        state.link.send({"op": "ready", "pid": os.getpid(), "import": report})
        if module is not None:
            state.loop()
    except BaseException:  # noqa: BLE001 - nothing of the runtime may outlive the test
        pass
    _leave()
