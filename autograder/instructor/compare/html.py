"""The HTML page of a SideBySide: one self-contained file, inline CSS and SVG, no script,
nothing fetched.

    render_html(comp)    the page, one string
    chart_svg(items)     the timings as paired bars, inline SVG

The page is templates/page.html (string.Template, the CSS in it) filled by `_fill`: a
value goes in through html.escape(quote=True) unless it is `Html`, a fragment built here
from escaped values. Student code, output, test names and measurements are all text, so
a `</script>` in them stays text. A fragment of lines starts each line with a newline, so
an empty one leaves no blank line in the page.

Conventions followed (checked against their documentation):
  * the page carries a Content-Security-Policy <meta> with default-src 'none' (MDN,
    "Content-Security-Policy: style-src": inline styles need 'unsafe-inline'), so even a
    slip in escaping could not run a script or fetch anything;
  * the chart is SVG inlined in HTML, written without an xmlns attribute: the HTML parser
    puts <svg> in the SVG namespace by itself (svgo docs, "Remove XML Namespace": HTML
    ignores explicit namespaces), which keeps the page free of any URL of ours.
"""
from __future__ import annotations

import functools
import html
from pathlib import Path
from string import Template

from ... import reports
from ...reports import pts
from ...scoring import TestResult
from . import lanes
from .model import (FileDiff, SideBySide, TestPair, cut, duration, measurement_rows, secs,
                    status_label, timings)

TEMPLATE = Path(__file__).parent / "templates" / "page.html"
STUDENT_COLOUR = "#d9480f"
REFERENCE_COLOUR = "#1c7ed6"
NOT_EQUAL = "&#8800;"


class Html(str):
    """HTML built here, every value in it already escaped: goes into the page as it is."""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _lines(parts) -> Html:
    """Lines of HTML for a placeholder at the end of a template line: each starts a line."""
    return Html("".join("\n" + part for part in parts))


@functools.cache
def _template() -> Template:
    return Template(TEMPLATE.read_text(encoding="utf-8"))


def _fill(**values) -> str:
    return _template().substitute({k: v if isinstance(v, Html) else _e(v) for k, v in values.items()})


def render_html(comp: SideBySide) -> str:
    a, s, r = comp.assignment, comp.student, comp.reference
    pairs = comp.pairs
    notes = [f"<dt>note ({who})</dt><dd>{_e(note)}</dd>"
             for who, grade in (("student", s), ("reference", r)) for note in grade.notes]
    warning = comp.reference_warning()
    return _fill(
        title=f"Compare: assignment {a.number}, {a.title}: {comp.student_path}",
        number=a.number, assignment_title=a.title,
        student_score=pts(s.score), student_max=pts(s.max_score), student_path=comp.student_path,
        reference_score=pts(r.score), reference_max=pts(r.max_score),
        reference_path=comp.reference_path,
        how_graded=comp.how_graded(), cpu=comp.cpu, notes=_lines(notes),
        warning=_lines([f'<p class="warning">WARNING: {_e(warning)}</p>'] if warning else []),
        differing=len(comp.differing), tests=len(pairs),
        test_rows=_lines(_test_row(pair) for pair in pairs),
        student_colour=STUDENT_COLOUR, reference_colour=REFERENCE_COLOUR,
        chart=Html(chart_svg(timings(comp))), lanes=_lines(_lanes(comp)),
        measured=_lines(_measured(comp)),
        lost=len(comp.lost), feedback=_lines(_feedback(comp)),
        files=_lines(line for f in comp.files for line in _file(f)),
        started=f"{comp.started:%Y-%m-%d %H:%M:%S}")


def _verdict(result: TestResult | None) -> str:
    if result is None:
        return '<span class="muted">(not collected)</span>'
    label = status_label(result)
    return (f'<span class="{_e(label)}">{_e(label)}</span> '
            f'{_e(pts(result.score))}/{_e(pts(result.max_score))}')


def _test_row(pair: TestPair) -> str:
    cls = ' class="differs"' if pair.differs else ""
    return (f"<tr{cls}><td class=\"mark\">{NOT_EQUAL if pair.differs else ''}</td>"
            f"<td>{_e(pair.name)}<br><span class=\"nodeid\">{_e(pair.nodeid)}</span></td>"
            f"<td>{_e(pair.visibility)}</td><td>{_verdict(pair.student)}</td>"
            f"<td>{_verdict(pair.reference)}</td>"
            f"<td>{_e(duration(pair.student))}</td><td>{_e(duration(pair.reference))}</td></tr>")


def _lanes(comp: SideBySide) -> list[str]:
    """What the threads did in every test with a timeline, student above reference."""
    pairs = lanes.pictured(comp)
    if not pairs:
        return []
    out = ["<h2>What the threads did</h2>",
           '<p class="muted">From the judge\'s log of the calls into the test\'s doubles '
           "(requests, handle(), stages, checks) or, for processes, the kernel's CPU counts "
           "sampled every 10 ms: a row per thread or process, a bar per call, student above "
           "reference on one time axis. Dark red: a call that raised; grey: still running "
           "when the test ended.</p>"]
    for pair in pairs:
        out.append(f"<h3>{NOT_EQUAL + ' ' if pair.differs else ''}{_e(pair.name)}</h3>")
        out.append(lanes.lanes_svg(pair, (STUDENT_COLOUR, REFERENCE_COLOUR)))
        notes = dict.fromkeys(t.timeline["note"] for t in (pair.student, pair.reference)
                              if t and t.timeline and t.timeline.get("note"))
        out += [f'<p class="muted">{_e(note)}</p>' for note in notes]
    return out


def _measured(comp: SideBySide) -> list[str]:
    """A table of both sides' numbers for every test that measured something."""
    measured = comp.measured
    out = ["<h2>Measured numbers</h2>"] if measured else []
    for pair in measured:
        cls = ' class="differs"' if pair.differs else ""
        out.append(f"<h3>{NOT_EQUAL + ' ' if pair.differs else ''}{_e(pair.name)}</h3>")
        out.append("<table><thead><tr><th>measured</th><th>student</th><th>reference</th>"
                   "<th>expected</th></tr></thead><tbody>")
        for label, sv, rv, exp in measurement_rows(pair):
            out.append(f"<tr{cls}><td>{_e(label)}</td><td class=\"value\">{_e(sv)}</td>"
                       f"<td class=\"value\">{_e(rv)}</td><td class=\"value\">{_e(exp)}</td></tr>")
        out.append("</tbody></table>")
    return out


def _feedback(comp: SideBySide) -> list[str]:
    """What the student was told for each test they lost, and what their code printed."""
    lost = comp.lost
    out = [] if lost else ["<p>The student lost no points.</p>"]
    for pair in lost:
        s = pair.student
        also = (' <span class="muted">(the reference failed it too)</span>'
                if pair.reference and not pair.reference.passed else "")
        out.append(f"<h3>{_verdict(s)} &nbsp;{_e(pair.name)}{also}<br>"
                   f"<span class=\"nodeid\">{_e(pair.nodeid)}</span></h3>")
        out.append(f'<pre class="feedback">{_e(chr(10).join(reports.test_body(s)) or "(no message)")}'
                   "</pre>")
        if s.output.strip():
            out.append("<p class=\"muted\">What the code printed during this test (last lines):</p>")
            out.append(f'<pre class="feedback">{_e(s.output[-1500:])}</pre>')
    return out


def _file(f: FileDiff) -> list[str]:
    """The student's file against the stub and against the reference (or why not)."""
    if f.student is None:
        return [f"<h2>{_e(f.name)}: not in the submission</h2><p>{_e(f.summary('stub'))}</p>"]
    out = []
    for which in ("stub", "reference"):
        heading = f"{f.name}: the student's file against the {which}"
        out.append(f"<h2>{_e(heading)}</h2>")
        if f.found_as and which == "stub":
            out.append(f"<p class=\"muted\">graded from {_e(f.found_as)}</p>")
        summary = f.summary(which)
        out.append(f"<p>{_e(summary)}</p>" if summary else _diff(f.against(which)))
    return out


def _diff(lines: list[str]) -> str:
    out = []
    for line in lines:
        cls = ("file" if line.startswith(("---", "+++")) else "hunk" if line.startswith("@@")
               else "add" if line.startswith("+") else "del" if line.startswith("-") else "ctx")
        out.append(f'<span class="{cls}">{_e(line) or " "}</span>')
    return '<pre class="diff">' + "".join(out) + "</pre>"


def chart_svg(items: list[tuple[str, float | None, float | None]], width: int = 900) -> str:
    """Paired horizontal bars (student, reference) per item, inline SVG, text escaped."""
    if not items:
        return '<p class="muted">No test reported a duration or a time.</p>'
    top = max([v for _, s, r in items for v in (s, r) if v is not None] + [1e-9])
    bar_w, bar_h, label_h, gap = width - 110, 13, 18, 9    # room for 11 px value labels
    row_h = label_h + 2 * bar_h + gap
    parts = [f'<svg class="chart" width="{width}" height="{row_h * len(items) + 4}" '
             f'viewBox="0 0 {width} {row_h * len(items) + 4}" role="img" '
             f'aria-label="test timings, student against reference" '
             f'font-family="system-ui,sans-serif" font-size="12">']
    for i, (label, s, r) in enumerate(items):
        y = i * row_h
        parts.append(f'<g><title>{_e(label)}: student {_e(secs(s))}, '
                     f'reference {_e(secs(r))}</title>')
        parts.append(f'<text x="0" y="{y + 12}" fill="#1b1b1b">{_e(cut(label, 130))}</text>')
        for j, (value, colour, who) in enumerate(((s, STUDENT_COLOUR, "student"),
                                                  (r, REFERENCE_COLOUR, "reference"))):
            by = y + label_h + j * bar_h
            w = 0.0 if value is None else max(1.0, bar_w * value / top)
            parts.append(f'<rect x="0" y="{by}" width="{w:.1f}" height="{bar_h - 2}" '
                         f'fill="{colour}"><title>{who}: {_e(secs(value))}</title></rect>')
            parts.append(f'<text x="{w + 5:.1f}" y="{by + bar_h - 2}" fill="#444" '
                         f'font-size="11">{_e(secs(value))}</text>')
        parts.append('</g>')
    parts.append('</svg>')
    return "".join(parts)
