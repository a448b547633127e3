"""junit.xml, for CI dashboards (Jenkins, GitLab): one <testsuite> per student inside
<testsuites>, one <testcase> per graded test.

Checked against the JUnit schema the Jenkins xUnit plugin validates with
(jenkinsci/xunit-plugin, .../model/xsd/junit-10.xsd): testsuite needs name, tests,
failures, errors (skipped, time optional; time matches SUREFIRE_TIME, i.e. plain
decimals); testcase needs name; failure, error, skipped take message and type;
properties hold property(name, value); testsuites takes only name, time, tests,
failures, errors. Text is stripped of characters XML 1.0 forbids (NUL, ESC, lone
surrogates...) and of terminal colour codes.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..records import GradeRow
from .common import JUNIT_XML, ExportResult, clean, cut, num, sorted_rows, write

FAILED = ("failed", "hung", "crashed")


def write_junit_xml(rows: list[GradeRow], assignment, out_dir) -> ExportResult:
    """junit.xml: one testsuite per student, one testcase per graded test (module doc)."""
    root = ET.Element("testsuites", name=clean(assignment.slug))
    totals = dict.fromkeys(("tests", "failures", "errors"), 0)      # testsuites: no "skipped"
    total_time = 0.0
    for row in sorted_rows(rows):
        counts = _suite(root, row, clean(assignment.slug))
        for key in totals:
            totals[key] += counts[key]
        total_time += max(0.0, float(row.duration or 0))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _secs(total_time))
    ET.indent(root)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    path = Path(out_dir) / JUNIT_XML
    write(path, text, bom=False)
    return ExportResult([path], [])


def _secs(x) -> str:
    return f"{max(0.0, float(x or 0)):.3f}"


def _first_line(text: str, limit: int = 200) -> str:
    line = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    return line if len(line) <= limit else line[:limit - 3] + "..."


def _suite(root: ET.Element, row: GradeRow, slug: str) -> dict[str, int]:
    """The row's <testsuite>: its properties, a "grading" error case when it could not be
    graded, a case per test. Returns its counts."""
    s = row.student
    suite = ET.SubElement(root, "testsuite", name=clean(s.id))
    props = ET.SubElement(suite, "properties")
    for name, value in (("student_name", s.name), ("score", num(row.score)),
                        ("max_score", num(row.max_score)),
                        ("percent", f"{row.percent:.1f}"), ("status", row.status),
                        ("source", s.source)):
        ET.SubElement(props, "property", name=name, value=clean(value))
    counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    classname = f"{slug}.{clean(s.id)}"
    if row.status != "graded":
        case = ET.SubElement(suite, "testcase", classname=classname, name="grading",
                             time=_secs(row.duration))
        text = clean(row.message) or "the grader could not grade this submission"
        ET.SubElement(case, "error", message=_first_line(text), type="grading").text = text
        counts["tests"] += 1
        counts["errors"] += 1
    for t in row.tests:
        case = ET.SubElement(suite, "testcase", classname=classname,
                             name=clean(t.get("name") or t.get("nodeid", "")),
                             time=_secs(t.get("duration", 0)))
        counts["tests"] += 1
        kind = _verdict(case, t)
        if kind:
            counts[kind] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", _secs(row.duration))
    return counts


def _verdict(case: ET.Element, t: dict) -> str:
    """The test's outcome as the case's child (none when it passed); returns the count it
    adds to ("failures", "errors", "skipped", or "" for a pass)."""
    status = t.get("status", "")
    output = cut(clean(t.get("output", "")))
    points = f"{num(t.get('score', 0) or 0)}/{num(t.get('max_score', 0) or 0)} points"
    if status == "passed":
        return ""
    if status == "not-run":
        ET.SubElement(case, "skipped", message=_first_line(output) or "not run")
        return "skipped"
    if status in FAILED or status == "error":
        tag = "failure" if status in FAILED else "error"
        el = ET.SubElement(case, tag, type=status, message=_first_line(output) or f"{status}: {points}")
        el.text = f"{points}\n{output}" if output else points
        return "failures" if status in FAILED else "errors"
    el = ET.SubElement(case, "error", type=clean(status) or "unknown",
                       message=f"unknown status {status!r}")
    el.text = output
    return "errors"
