"""What the threads did, student above reference: the timelines the judge recorded
(checks/timeline.py) drawn for the compare page (inline SVG) and its terminal report.

    pictured(comp)             the tests where either side has a timeline
    lanes_svg(pair)            one test's two timelines on one time axis, SVG
    lanes_text(pair, width)    the same as text (checks/timeline.text on a shared scale)

One axis for both sides: a sequential downloader's one lane of back-to-back bars runs
five times as far to the right as the reference's five overlapping lanes.
"""
from __future__ import annotations

import html

from ...checks import timeline
from ...terminal import clip
from .model import SideBySide, TestPair

ROW, NAME_W, AXIS_H, HEAD_H = 14, 190, 18, 18
ERROR_COLOUR, OPEN_COLOUR = "#7a0000", "#999999"


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _of(pair: TestPair) -> tuple[dict | None, dict | None]:
    s = pair.student.timeline if pair.student else None
    r = pair.reference.timeline if pair.reference else None
    return s, r


def pictured(comp: SideBySide) -> list[TestPair]:
    """The tests worth a picture: where either side made two calls or more."""
    return [p for p in comp.pairs if any(t and t["calls"] >= 2 for t in _of(p))]


def scale_of(pair: TestPair) -> float:
    return max([t["span"] for t in _of(pair) if t] + [1e-6])


def lanes_svg(pair: TestPair, colours: tuple[str, str], width: int = 900) -> str:
    """Both timelines of `pair` on one axis: a labelled group per side, a row per lane."""
    scale = scale_of(pair)
    plot = width - NAME_W - 10
    parts, y = [], 0
    for who, tl, colour in (("student", _of(pair)[0], colours[0]),
                            ("reference", _of(pair)[1], colours[1])):
        parts.append(f'<text x="0" y="{y + 13}" font-weight="600">{who}: '
                     f'{_e(_summary(tl))}</text>')
        y += HEAD_H
        for lane in (tl or {}).get("lanes", []):
            parts.append(f'<text x="0" y="{y + 11}" fill="#444" font-size="11">'
                         f'{_e(clip(lane["name"], 30))}</text>')
            parts.append(f'<rect x="{NAME_W}" y="{y + 1}" width="{plot}" height="{ROW - 2}" '
                         f'fill="#f3f3f3"/>')
            for i, (a, b, state) in enumerate(lane["bars"]):
                x = NAME_W + plot * a / scale
                w = max(1.0, plot * (b - a) / scale)
                fill = {"error": ERROR_COLOUR, "open": OPEN_COLOUR}.get(state, colour)
                shade = ' fill-opacity="0.65"' if i % 2 and not state else ""
                end = "still running" if state == "open" else f"{b:.3f} s"
                parts.append(f'<rect x="{x:.1f}" y="{y + 1}" width="{w:.1f}" height="{ROW - 2}" '
                             f'fill="{fill}"{shade}><title>{_e(lane["name"])}: {a:.3f} s to '
                             f'{_e(end)}{" (raised)" if state == "error" else ""}</title></rect>')
            y += ROW
        if tl and tl.get("more_lanes"):
            parts.append(f'<text x="{NAME_W}" y="{y + 11}" fill="#666" font-size="11">and '
                         f'{tl["more_lanes"]} more not drawn</text>')
            y += ROW
        y += 6
    parts += _axis(y, scale, plot)
    height = y + AXIS_H
    return (f'<svg class="lanes" width="{width}" height="{height}" viewBox="0 0 {width} '
            f'{height}" role="img" aria-label="what the threads did over time, student above '
            f'reference" font-family="system-ui,sans-serif" font-size="12">'
            + "".join(parts) + "</svg>")


def _axis(y: int, scale: float, plot: int) -> list[str]:
    out = [f'<line x1="{NAME_W}" y1="{y}" x2="{NAME_W + plot}" y2="{y}" stroke="#888"/>']
    for k in range(5):
        x = NAME_W + plot * k / 4
        anchor = "start" if k == 0 else "end" if k == 4 else "middle"
        out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="#888"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 15}" fill="#444" font-size="11" '
                   f'text-anchor="{anchor}">{_e(timeline.secs(scale * k / 4))}</text>')
    return out


def _summary(tl: dict | None) -> str:
    if not tl:
        return "no call reached the test's doubles"
    lanes = len(tl["lanes"]) + tl.get("more_lanes", 0)
    kind = "process" if tl.get("of") == "processes" else "thread"
    rows = kind if lanes == 1 else kind + ("es" if kind == "process" else "s")
    return (f"{tl['what']}: {tl['calls']} over {timeline.secs(tl['span'])}, {lanes} {rows}, "
            f"at most {tl['peak']} at once")


def lanes_text(pair: TestPair, width: int = 50) -> list[str]:
    """Both timelines as text, one scale: the student's lines, then the reference's."""
    scale = scale_of(pair)
    out = []
    for who, tl in (("student", _of(pair)[0]), ("reference", _of(pair)[1])):
        if not tl:
            out.append(f"{who}: no call reached the test's doubles")
            continue
        lines = timeline.text(tl, width=width, scale=scale, whose="the")
        out.append(f"{who}: " + lines[0][0].lower() + lines[0][1:])
        out += lines[1:]
    return out
