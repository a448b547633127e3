"""autograder.student.hints: parsing hints.md, the lesson's sections, and every hint of every
assignment citing words the lesson really has, in the section it names."""
from __future__ import annotations

import re

import pytest

from autograder.student import hints
from autograder import manifest
from autograder.student.hints import Citation

SAMPLE = """\
# Hints for assignment 9

Read one at a time.

## Hint 1: who says stop?
*Lesson II, "Handle exceptions", "Submit all at once" and IV, "Error handling".* The
producer knows;
the cooks do not.

## Hint 2: the whole section
*Lesson III.* Read it again.

## Hint 3 no colon, no citation
Just text. *Lesson IV, "Clean shutdown".* in the middle does not count.
"""


# ------------------------------------------------------------------------------ parse

def test_parse_reads_numbers_titles_and_bodies():
    parsed = hints.parse(SAMPLE)
    assert [h.number for h in parsed] == [1, 2, 3]
    assert [h.title for h in parsed] == ["who says stop?", "the whole section",
                                         "no colon, no citation"]
    first = parsed[0]
    assert first.body.startswith('*Lesson II, "Handle exceptions"')
    assert first.body.endswith("the cooks do not.")      # stripped, up to the next heading
    assert "## Hint" not in first.body
    assert parsed[2].body.endswith("in the middle does not count.")   # the last runs to the end


def test_parse_reads_citations():
    first, whole, none = hints.parse(SAMPLE)
    assert first.citations == (Citation("II", "Handle exceptions"),
                               Citation("II", "Submit all at once"),
                               Citation("IV", "Error handling"))
    assert whole.citations == (Citation("III", None),)
    assert none.citations == ()          # a citation not on the body's first line is no citation
    assert hints.parse("no headings at all") == []


def test_no_quote_is_dropped_whatever_joins_it():
    body = ('*Lesson V, "a" and "b"; III, Pattern 2, "Combine results"; II, "x*2", or '
            '"y".* Text.')
    (hint,) = hints.parse("## Hint 1: t\n" + body)
    assert hint.citations == (Citation("V", "a"), Citation("V", "b"),
                              Citation("III", "Combine results"), Citation("II", "x*2"),
                              Citation("II", "y"))
    with pytest.raises(hints.HintsError, match="no lesson section"):
        hints.parse('## Hint 1: t\n*Lesson "orphan quote".* Text.')


# ----------------------------------------------------------------------------- sections

def test_sections_of_the_real_lesson():
    found = hints.sections()
    assert list(found) == list(hints.SECTIONS)
    titles = {n: s.title for n, s in found.items()}
    assert titles["I"].startswith("The Mental Model")
    assert titles["II"].startswith("Thread Pools")
    assert titles["III"].startswith("Process Pools")
    assert titles["IV"].startswith("Simple Queue Coordination")
    assert titles["V"].startswith("Recap")
    lines = hints.LESSON.read_text(encoding="utf-8").splitlines()
    ranges = [(s.first, s.last) for s in found.values()]
    for (first, last), (next_first, _) in zip(ranges, ranges[1:]):
        assert first < last < next_first and next_first == last + 1, ranges
    assert ranges[-1][1] == len(lines)
    for number, section in found.items():
        assert lines[section.first - 1].startswith(f"{number}. "), section


# ------------------------------------------------------------------------------- locate

def _lines():
    return hints.LESSON.read_text(encoding="utf-8").splitlines()


def test_locate_finds_a_quote_across_a_line_break():
    quote = "Start with THREADS, profile, then decide"
    line = hints.locate(Citation("I", quote))
    assert line is not None
    text = _lines()[line - 1]
    assert "Start with THREADS" in text and "then decide" not in text   # it does span a break
    section = hints.sections()["I"]
    assert section.first <= line <= section.last


def test_locate_ignores_case_whitespace_and_bold_markup():
    line = hints.locate(Citation("V", "is it worth   parallelizing? (>0.1s total work)"))
    assert line is not None
    assert "**Is it worth parallelizing?**" in _lines()[line - 1]


def test_locate_searches_only_the_cited_section():
    quote = "Clean shutdown: Use sentinel values"
    in_iv = hints.locate(Citation("IV", quote))
    assert in_iv is not None and quote in _lines()[in_iv - 1]
    assert hints.locate(Citation("II", quote)) is None
    assert hints.locate(Citation("IV", "Clean shutdown: use a timeout")) is None
    assert ", line " not in hints.where(Citation("II", quote))


def test_locate_without_a_quote_is_the_section_start():
    assert hints.locate(Citation("III", None)) == hints.sections()["III"].first


# ---------------------------------------------------------------- every assignment's hints

_QUOTED = re.compile(r'"[^"]+"')


@pytest.mark.parametrize("assignment", manifest.load(), ids=lambda a: a.slug)
def test_every_hint_cites_the_lesson_verbatim(assignment):
    found = hints.load(assignment.folder)
    numbers = [h.number for h in found]
    assert numbers == list(range(1, len(found) + 1)), f"hints numbered {numbers}"
    assert len(found) >= 3, f"only {len(found)} hints"

    offenders = []
    for hint in found:
        where = f"{assignment.folder.name}/hints.md, hint {hint.number}"
        quoted = [c for c in hint.citations if c.quote]
        if not quoted:
            offenders.append(f"{where}: no quoted citation on its first line "
                             f"({hint.body.splitlines()[0]!r})")
        # Every quote of the citation line must be read: after "and", a quote without its
        # section numeral is silently dropped by the parser.
        line = re.match(r"\*Lesson (.+?)\*", hint.body, re.S)
        written = len(_QUOTED.findall(line.group(1))) if line else 0
        if written != len(quoted):
            offenders.append(f"{where}: {written} quotes written, {len(quoted)} read "
                             f"({[c.text() for c in hint.citations]}); repeat the "
                             "section before each quote after 'and', or join with ','")
        for citation in quoted:
            if hints.locate(citation) is None:
                offenders.append(f"{where}: not in the lesson: {hints.where(citation)}")
    assert not offenders, "\n".join(offenders)


def test_reflow_mends_the_line_the_citation_was_cut_from():
    """hints.md is wrapped for the file; with the citation cut out of its first line the
    rest read "Your function is" alone on a line (issue 17). Prose is re-wrapped; code,
    lists and indented lines are kept as written."""
    from autograder.student.hints import reflow
    body = ("That `5` is the lesson's. Your function is\ngiven a `timeout` argument: which\n"
            "one does the request use now?\n\n```python\nx = 1\n\ny = 2\n```\n\n- a list item\n"
            "- another\n\n    indented code\n")
    got = reflow(body, 60)
    assert got[0] == "That `5` is the lesson's. Your function is given a `timeout`"
    assert got[1] == "argument: which one does the request use now?"
    assert got[3:8] == ["```python", "x = 1", "", "y = 2", "```"]
    assert got[9:11] == ["- a list item", "- another"] and got[-1] == "    indented code"
    assert all(len(line) <= 60 for line in got)


def test_a_shown_hint_has_no_ragged_first_line(tmp_path, monkeypatch):
    monkeypatch.setenv("CK_STATE_DIR", str(tmp_path))
    from autograder.student import hints
    a = manifest.get(2)
    hints.show(a)
    text = hints.show(a).splitlines()
    assert text[2].startswith("That `5` is the lesson's. Your function is given a `timeout`")
