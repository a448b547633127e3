"""`python -m autograder compare` for real: a sequential downloader beside the reference.

One grading of each, run concurrently by compare.main() itself (about 15 s on 2 cores).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from autograder import manifest, reports
from autograder.instructor import compare
from autograder.instructor.compare import lanes
from autograder.instructor.readtests import declared_failures

VARIANT = manifest.get(2).broken_dir / "sequential.py"


class _Page(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed",
            "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tags, self.attrs = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")


@pytest.mark.slow
def test_compare_sequential_downloader_with_the_reference(tmp_path, monkeypatch, capsys):
    assignment = manifest.get(2)
    made = []
    real = compare.side_by_side

    def spy(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]
    monkeypatch.setattr(compare, "side_by_side", spy)   # main() runs for real; we keep its result

    out_html = tmp_path / "report.html"
    assert compare.main(["2", str(VARIANT), "--html", str(out_html)]) == 0
    [comp] = made
    out = capsys.readouterr().out

    # The reference is the yardstick: it must earn full marks in the same run.
    assert comp.reference_full_marks, comp.reference_warning()
    expected = declared_failures(VARIANT)
    assert {r.function for r in comp.differing} == expected
    lost = sum(p.points for p in comp.pairs if p.function in expected)
    assert comp.student.score == assignment.points - lost
    # Both gradings overlapped in time: together they took less than one after the other.
    assert comp.wall < comp.student.duration + comp.reference.duration

    # The terminal table marks exactly the differing tests.
    table = out[out.index("Tests ("):].split("\n\n")[0].splitlines()[2:]
    assert len(table) == len(comp.pairs)
    for line, pair in zip(table, comp.pairs):
        assert line.startswith("  >>") == pair.differs, line
        assert pair.name in line
    assert "WARNING" not in out
    assert "--- stub/downloader.py" in out and "--- reference/downloader.py" in out
    assert "+    return [fetch_url_info(url) for url in urls]" in out
    assert re.search(r"most requests in flight at once\s+1\s+\|\s+5\s+\|\s+expected 5", out)

    # What the threads did, from the judge's log of requests: one lane of back-to-back
    # bars for the sequential loop, five overlapping lanes for the reference.
    peak = next(p for p in comp.pairs if p.function == "test_concurrency_reaches_max_workers")
    mine, theirs = peak.student.timeline, peak.reference.timeline
    assert (len(mine["lanes"]), mine["peak"], mine["calls"]) == (1, 1, 10), mine
    assert (len(theirs["lanes"]), theirs["peak"], theirs["calls"]) == (5, 5, 10), theirs
    assert peak in lanes.pictured(comp)
    assert "What the threads did, student above reference" in out
    assert any(line.startswith("What your threads did (requests: 10 over")
               for line in reports.test_body(peak.student))

    # The HTML page: well-formed, self-contained, with the chart.
    page = out_html.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    assert parsed.errors == [] and parsed.stack == []
    pictured = lanes.pictured(comp)
    assert parsed.tags.count("svg") == 1 + len(pictured)     # the timings, then the lanes
    assert parsed.tags.count("rect") >= 2 * len(comp.pairs)
    assert not {"script", "link", "iframe", "object", "embed", "img"} & set(parsed.tags)
    for tag, key, value in parsed.attrs:
        assert key not in ("src", "href", "srcset"), (tag, key, value)
        assert not re.search(r"(https?:)?//|url\(", value, re.I), (tag, key, value)
    for pair in comp.differing:
        assert pair.nodeid in page
