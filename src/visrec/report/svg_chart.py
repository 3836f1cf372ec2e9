"""Line charts as inline SVG text (no matplotlib, no scripts): the curves of the HTML run report.

>>> svg = line_chart({"run a / train_loss": ([0, 1, 2], [2.0, 1.0, 0.5])}, title="loss", xlabel="step")
>>> svg.startswith("<svg") and "polyline" in svg
True
"""

from __future__ import annotations

import math
from html import escape

__all__ = ["line_chart", "PALETTE"]

#: colours of successive series (colour-blind-safe Okabe-Ito order)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi]."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * step:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.2e}"


def line_chart(series: dict, title: str, xlabel: str = "step", width: int = 520, height: int = 300,
               dashed=()) -> str:
    """An SVG chart of ``series``: {label: (xs, ys)}; labels in ``dashed`` are drawn dashed.

    Non-finite and missing (None) points are left out; a series with one point is drawn as a dot.
    """
    clean = {}
    for label, (xs, ys) in series.items():
        pts = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)
               if x is not None and y is not None and math.isfinite(float(x)) and math.isfinite(float(y))]
        if pts:
            clean[label] = pts
    left, right, top, bottom = 56, 12, 28, 40
    legend_h = 16 * len(clean)
    H = height + legend_h
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{H}" '
           f'viewBox="0 0 {width} {H}" role="img" aria-label="{escape(title)}">',
           f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">'
           f"{escape(title)}</text>"]
    if not clean:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no data</text></svg>')
        return "".join(out)
    xs = [x for pts in clean.values() for x, _ in pts]
    ys = [y for pts in clean.values() for _, y in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y1 == y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    pw, ph = width - left - right, height - top - bottom

    def px(x):
        return left + (x - x0) / (x1 - x0) * pw

    def py(y):
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
    for t in _ticks(y0, y1):
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>'
                   f'<text x="{left - 4}" y="{py(t) + 4:.1f}" text-anchor="end" font-size="10">{_fmt(t)}</text>')
    for t in _ticks(x0, x1):
        out.append(f'<text x="{px(t):.1f}" y="{top + ph + 14}" text-anchor="middle" font-size="10">{_fmt(t)}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{top + ph + 30}" text-anchor="middle" font-size="11">'
               f"{escape(xlabel)}</text>")
    for i, (label, pts) in enumerate(clean.items()):
        color = PALETTE[i % len(PALETTE)]
        dash = ' stroke-dasharray="5,3"' if label in dashed else ""
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        if len(pts) == 1:
            out.append(f'<circle cx="{px(pts[0][0]):.1f}" cy="{py(pts[0][1]):.1f}" r="3" fill="{color}"/>')
        else:
            out.append(f'<polyline class="series" points="{coords}" fill="none" stroke="{color}" '
                       f'stroke-width="1.8"{dash}><title>{escape(label)}</title></polyline>')
        ly = height + 16 * i + 4
        out.append(f'<line x1="{left}" x2="{left + 24}" y1="{ly}" y2="{ly}" stroke="{color}" stroke-width="2"{dash}/>'
                   f'<text x="{left + 30}" y="{ly + 4}" font-size="11">{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)
