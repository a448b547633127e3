"""`make status`: every assignment, the best visible score, the last check, hints read,
and whether the student's file is still the stub."""
from __future__ import annotations

import argparse

from .. import manifest, reports, terminal
from . import progress
from .check import hint_count
from .reset import file_state


def status_rows() -> list[dict]:
    rows = []
    for a in manifest.load():
        rec = progress.get(a.slug)
        best = (f"{reports.pts(float(rec['best']))}/{reports.pts(float(rec['max']))}"
                if rec.get("best") is not None else "-")
        last = (f"{reports.pts(float(rec['last']))}/{reports.pts(float(rec['max']))}, "
                f"{progress.ago(rec.get('last_at'))}" if rec.get("last") is not None else "never")
        n = hint_count(a)
        rows.append({"#": str(a.number), "assignment": a.title, "best visible": best,
                     "last check": last, "hints read": f"{progress.hints_shown(a.slug)} of {n}",
                     "your file": file_state(a),
                     "done": rec.get("best") is not None and rec.get("best") == rec.get("max")})
    return rows


def status(colour: bool = False) -> str:
    rows = status_rows()
    cols = ["#", "assignment", "best visible", "last check", "hints read", "your file"]
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    paint = terminal.painter(colour)
    out = [paint("  ".join(c.ljust(widths[c]) for c in cols).rstrip(), "bold")]
    for r in rows:
        line = "  ".join(r[c].ljust(widths[c]) for c in cols).rstrip()
        out.append(paint(line, "PASS") if r["done"] else line)
    done = sum(r["done"] for r in rows)
    out += ["", f"{done} of {len(rows)} assignments pass every visible test. "
                f"Scores are from `make check` (visible tests only) on your own files."]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    argparse.ArgumentParser(prog="python -m autograder status",
                            description="every assignment: best visible score, hints read"
                            ).parse_args(argv)
    print(status(colour=terminal.use_colour()))
    return 0
