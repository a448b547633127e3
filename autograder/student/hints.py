"""Progressive hints, each tied to the part of the lesson it draws on.

An assignment's `hints.md` holds its hints in the order a student should read them:

    ## Hint 2: the producer says when it is done
    *Lesson IV, "Clean shutdown: Use sentinel values".* The producer can put ...

The first line of a hint's body cites the lesson: a section (I to V) and, in quotes, words
that appear in that section of `lesson/lesson-07-concurrency.txt`; several citations are
joined by "and" or ";" (`*Lesson II, "Handle exceptions" and IV, "Error handling".*`).
`citations()` finds each quote's line, so `make hint` can say where to read, and the kit's
tests check that every hint of every assignment cites words the lesson really has.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import textwrap
from pathlib import Path

from .. import console, manifest
from ..manifest import Assignment
from ..paths import LESSON
from ..terminal import width_of
from . import progress
SECTIONS = ("I", "II", "III", "IV", "V")

_HEADING = re.compile(r"^## Hint (\d+):?\s*(.*)$", re.M)
_TOKEN = re.compile(r"\"([^\"]*)\"|\b(I{1,3}|IV|V)\b")


class HintsError(Exception):
    """hints.md is missing, empty or malformed."""


@dataclasses.dataclass(frozen=True)
class Citation:
    section: str            # "IV"
    quote: str | None       # words of the lesson, or None for the whole section

    def text(self) -> str:
        return f'{self.section}, "{self.quote}"' if self.quote else self.section


@dataclasses.dataclass(frozen=True)
class Hint:
    number: int
    title: str
    body: str               # markdown, the citation line included
    citations: tuple[Citation, ...]


def parse(text: str) -> list[Hint]:
    """The hints of one hints.md, in order."""
    marks = list(_HEADING.finditer(text))
    hints = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[m.end():end].strip()
        hints.append(Hint(int(m.group(1)), m.group(2).strip(), body, _citations(body)))
    return hints


def _citation_text(body: str) -> str | None:
    """The text of the italic `*Lesson ...*` line that opens a hint's body (a `*` inside
    a quote does not end it)."""
    if not body.startswith("*Lesson "):
        return None
    quoted = False
    for i, ch in enumerate(body[8:], 8):
        if ch == '"':
            quoted = not quoted
        elif ch == "*" and not quoted:
            return body[8:i]
    return None


def _citations(body: str) -> tuple[Citation, ...]:
    """Each quote belongs to the section named last before it: `IV, "a" and "b"; II, "c"`.
    A quote with no section before it is an error, never silently dropped."""
    text = _citation_text(body)
    if text is None:
        return ()
    out: list[Citation] = []
    section, quotes_of_section = None, 0
    for m in _TOKEN.finditer(text):
        if m.group(2):
            if section and not quotes_of_section:
                out.append(Citation(section, None))
            section, quotes_of_section = m.group(2), 0
        elif section is None:
            raise HintsError(f'a quote with no lesson section before it: "{m.group(1)}"')
        else:
            out.append(Citation(section, m.group(1)))
            quotes_of_section += 1
    if section and not quotes_of_section:
        out.append(Citation(section, None))
    return tuple(out)


def load(folder: Path) -> list[Hint]:
    path = Path(folder) / "hints.md"
    try:
        hints = parse(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HintsError(f"cannot read {path}: {exc}") from exc
    if not hints:
        raise HintsError(f"{path} has no '## Hint N: ...' sections")
    return hints


# --------------------------------------------------------------------------- the lesson

def _norm(text: str) -> str:
    text = text.replace("**", "").replace("\u2014", "-").replace("\u2013", "-")
    text = re.sub(r"[\u2018\u2019]", "'", text)
    text = re.sub(r"[\u201c\u201d]", '"', text)
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclasses.dataclass(frozen=True)
class Section:
    number: str
    title: str
    first: int              # line numbers, 1-based, inclusive
    last: int


def sections(lesson: Path = LESSON) -> dict[str, Section]:
    """Sections I to V of the lesson: `I. The Mental Model: ... (10 min)` at a line start."""
    lines = lesson.read_text(encoding="utf-8").splitlines()
    starts = []
    for i, line in enumerate(lines, 1):
        if len(starts) == len(SECTIONS):
            break
        m = re.match(r"^(I{1,3}|IV|V)\. (.+?)(?:\s*\(\d+ min\))?\s*$", line)
        if m and m.group(1) == SECTIONS[len(starts)]:   # I, II, ... in order
            starts.append((m.group(1), m.group(2), i))
    out = {}
    for k, (num, title, first) in enumerate(starts):
        last = starts[k + 1][2] - 1 if k + 1 < len(starts) else len(lines)
        out[num] = Section(num, title, first, last)
    return out


def locate(citation: Citation, lesson: Path = LESSON) -> int | None:
    """The lesson line where the citation's words start (within its section); the
    section's first line for a citation without a quote; None when not found."""
    found = sections(lesson).get(citation.section)
    if found is None:
        return None
    if not citation.quote:
        return found.first
    lines = lesson.read_text(encoding="utf-8").splitlines()
    want = _norm(citation.quote)
    # Quotes may run over a line break: search a window of three lines from each line.
    for n in range(found.first, found.last + 1):
        window = _norm(" ".join(lines[n - 1:min(n + 2, found.last)]))
        if want in window and want not in _norm(" ".join(lines[n:min(n + 2, found.last)])):
            return n
    return None


def where(citation: Citation, lesson: Path = LESSON) -> str:
    """'section IV (Simple Queue Coordination ...), line 863' for a student to look up."""
    found = sections(lesson).get(citation.section)
    line = locate(citation, lesson)
    title = f" ({found.title})" if found else ""
    text = f"section {citation.section}{title}"
    if line is not None:
        text += f", line {line}"
    if citation.quote:
        text += f': "{citation.quote}"'
    return text


# ------------------------------------------------------------------ the hint command

def reflow(body: str, width: int | None) -> list[str]:
    """The hint's prose paragraphs re-wrapped to `width` (hints.md is wrapped for the
    file, and cutting the citation out of the first line leaves it ragged: "Your function
    is" alone on a line); code, lists, tables and indented lines kept as they are."""
    out: list[str] = []
    fenced = False
    for para in re.split(r"\n\s*\n", body):
        lines = para.splitlines()
        if any(line.lstrip().startswith("```") for line in lines):
            fenced = fenced != (sum(line.lstrip().startswith("```") for line in lines) % 2 == 1)
            out += lines + [""]
            continue
        literal = fenced or any(line.startswith(("    ", "\t", "- ", "* ", "|", "#", ">"))
                                or re.match(r"\d+\. ", line) for line in lines)
        text = " ".join(line.strip() for line in lines)
        out += (lines if literal or not text else
                textwrap.wrap(text, width=min(width or 88, 88), break_long_words=False,
                              break_on_hyphens=False)) + [""]
    return out[:-1]


def show(a: Assignment, which: int | None = None) -> str:
    """The next hint (or hint `which`), and where the lesson says it."""
    all_hints = load(a.folder)
    shown = progress.hints_shown(a.slug)
    n = which if which is not None else min(shown + 1, len(all_hints))
    if not 1 <= n <= len(all_hints):
        raise HintsError(f"assignment {a.number} has hints 1 to {len(all_hints)}, not {n}")
    if which is not None and n > shown + 1:
        raise HintsError(f"hint {n} comes after hint {shown + 1}: read them in order "
                               f"(`make hint ASSIGNMENT={a.number}`)")
    h = all_hints[n - 1]
    progress.set_hints_shown(a.slug, n)
    out = [f"Hint {n} of {len(all_hints)} for assignment {a.number} ({a.title}): {h.title}", ""]
    body = h.body
    cite = _citation_text(body)
    if cite is not None:          # the citation is said below, with its lines
        body = body[len(cite) + 9:].lstrip(".* \n")
    out += reflow(body, width_of())
    cites = [c for c in h.citations if c.quote] or list(h.citations)
    if cites:
        lesson = os.path.relpath(LESSON, Path.cwd()) if LESSON.exists() else None
        out += ["", f"Read in the lesson ({lesson or 'lesson 7'}):"]
        out += [f"  {where(c)}" for c in cites]
    out.append("")
    if n < len(all_hints):
        out.append(f"Try again before the next one: `make hint ASSIGNMENT={a.number}` "
                   f"shows hint {n + 1}; `make hint ASSIGNMENT={a.number} HINT={n}` shows this one again.")
    else:
        out.append(f"That was the last hint. The assignment's README (the contract) and lesson "
                   f"section(s) {', '.join(sorted({c.section for c in cites})) or a.lesson} "
                   f"are next; `make check ASSIGNMENT={a.number}` says what still fails.")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder hint",
                                description="the next hint of an assignment (one more each time)")
    p.add_argument("assignment")
    p.add_argument("--number", type=int, default=None, help="show hint K again")
    args = p.parse_args(argv)
    try:
        print(show(manifest.get(args.assignment), args.number))
    except (manifest.ManifestError, manifest.UnknownAssignment, HintsError) as exc:
        return console.fail(str(exc))
    return 0
