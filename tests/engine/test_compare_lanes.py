"""The compare page's and report's timelines (instructor/compare/lanes.py): student above
reference on one time axis, every name escaped, only tests with a picture worth having."""
from __future__ import annotations

import os
import re

from test_compare import HOSTILE, _comparison

from autograder.checks import timeline
from autograder.checks.tracking import Call
from autograder.instructor import compare
from autograder.instructor.compare import lanes

WORKER = os.getpid() + 100_000


def _tl(spec):
    return timeline.build("requests", [
        Call(arg=i, start=a, end=b, thread_ident=name, thread_name=name, pid=WORKER)
        for i, (name, a, b) in enumerate(spec)])


SEQUENTIAL = _tl([(f"Main {HOSTILE}", 0.1 * i, 0.1 * i + 0.1) for i in range(10)])
POOL = _tl([(f"ThreadPoolExecutor-0_{i % 5}", 0.1 * (i // 5), 0.1 * (i // 5) + 0.1)
            for i in range(10)])


def _with_timelines():
    comp = _comparison()
    peak = next(p for p in comp.pairs if p.function == "test_peak")
    peak.student.timeline, peak.reference.timeline = SEQUENTIAL, POOL
    order = next(p for p in comp.pairs if p.function == "test_order")
    order.student.timeline = _tl([("MainThread", 0.0, 0.1)])     # one call: no picture
    return comp


def test_only_tests_with_two_calls_or_more_are_pictured():
    assert [p.function for p in lanes.pictured(_with_timelines())] == ["test_peak"]


def test_the_svg_draws_both_sides_on_one_axis_with_every_name_escaped():
    pair = lanes.pictured(_with_timelines())[0]
    svg = lanes.lanes_svg(pair, ("#d9480f", "#1c7ed6"), width=900)
    assert "<script>" not in svg and "&lt;/script&gt;" in svg
    assert svg.count('fill="#d9480f"') == 10 and svg.count('fill="#1c7ed6"') == 10
    plot = 900 - lanes.NAME_W - 10
    widths = [float(w) for w in re.findall(r'width="([\d.]+)" height="12" fill="#1c7ed6"', svg)]
    assert max(widths) <= plot * 0.1 + 0.1            # the reference's bars: a tenth of the axis
    assert "student: requests: 10 over 1.00 s, 1 thread, at most 1 at once" in svg
    assert "reference: requests: 10 over 200 ms, 5 threads, at most 5 at once" in svg
    assert ">1.00 s</text>" in svg                    # the axis ends at the longer side


def test_the_report_shows_lost_tests_lanes_on_one_scale():
    report = compare.render_text(_with_timelines())
    section = report[report.index("What the threads did"):report.index("What the student was told")]
    assert "student: what the threads did (requests: 10 over 1.00 s" in section
    assert "reference: what the threads did (requests: 10 over 200 ms, at most 5 at once)" in section
    pool_rows = [line.split()[-1] for line in section.splitlines() if "ThreadPoolExecutor" in line]
    assert len(pool_rows) == 5 and all(row.endswith("·" * 40) for row in pool_rows)


def test_the_page_has_the_section_and_no_unescaped_name():
    page = compare.render_html(_with_timelines())
    assert "<h2>What the threads did</h2>" in page and '<svg class="lanes"' in page
    assert HOSTILE not in page
