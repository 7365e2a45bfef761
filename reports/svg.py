"""The export's charts: inline SVG drawn from the data (bars, lines, axes, labels, legends).

Owns the look of the static charts of `classchat export`: column charts
(bars per category with optional inner bars and lines on the same axis,
marked bars with labels that never overlap) and horizontal bar lists. The
SVG needs no script, font or network: Chinese labels render with the
reader's own fonts. Every text from the data is escaped. Count axes have
whole-number ticks.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from classchat.reports.fmt import missing


def esc(value: object) -> str:
    return html.escape("" if missing(value) else str(value), quote=True)


def shorten(text: object, limit: int) -> str:
    s = "" if missing(text) else " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


# --- SVG charts -----------------------------------------------------------------------

BLUE = "#4a78b0"
ORANGE = "#e8892b"
RED = "#d1495b"
GREY = "#8a8f98"
CHART_WIDTH = 760


def _nice_ticks(vmax: float, n: int = 4, integer: bool = True) -> list[float]:
    """0 and evenly spaced round numbers up to at least vmax (about n steps)."""
    if vmax <= 0 or math.isnan(vmax):
        return [0, 1]
    raw = vmax / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1, round(step))
    top = math.ceil(vmax / step - 1e-9) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def _num(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:,.0f}"


def _svg_open(width: int, height: int, label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{esc(label)}" preserveAspectRatio="xMinYMin meet">'
        f"<title>{esc(label)}</title>"
    )


def _legend(items: Sequence[tuple[str, str, str]], x_right: float, y: float) -> str:
    """Legend swatches (name, colour, 'bar'|'line'), right-aligned ending at x_right."""
    out, x = [], x_right
    for name, color, kind in reversed(items):
        w = 14 + 7 * len(name) + 14
        x -= w
        if kind == "line":
            out.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 12:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{color}" stroke-width="2"/><circle cx="{x + 6:.1f}" cy="{y - 4:.1f}" r="2.5" '
                f'fill="{color}"/>'
            )
        else:
            out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}" rx="1"/>')
        out.append(f'<text x="{x + 16:.1f}" y="{y:.1f}" class="legend">{esc(name)}</text>')
    return "".join(out)


@dataclass
class Series:
    name: str
    values: list[float]
    color: str
    kind: str = "bar"  # bar | line | inner (a narrow bar drawn inside the main bar)
    labelled: bool = True  # with value_labels: write this series' values


def column_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    label: str,
    y_title: str,
    tick_at: Callable[[int], bool] | None = None,
    bar_colors: Sequence[str] | None = None,
    tooltips: Sequence[str] | None = None,
    value_labels: bool = False,
    annotations: dict[int, str] | None = None,
    legend: Sequence[tuple[str, str, str]] | None = None,
    height: int = 260,
) -> str:
    """Vertical bars per category, with optional inner bars and lines over the same y axis."""
    width = CHART_WIDTH
    ml, mr, mt, mb = 46, 14, 34, 36
    pw, ph = width - ml - mr, height - mt - mb
    n = max(len(labels), 1)
    vmax = max([max(s.values, default=0) for s in series] + [0])
    ticks = _nice_ticks(vmax * (1.12 if annotations else 1.0))
    top = ticks[-1]
    band = pw / n
    gap = 0.2 * band if band > 6 else 0.1 * band

    def y(v: float) -> float:
        return mt + ph - (float(v) / top) * ph

    parts = [_svg_open(width, height, label)]
    for t in ticks:  # grid and y axis labels
        parts.append(
            f'<line x1="{ml}" y1="{y(t):.1f}" x2="{width - mr}" y2="{y(t):.1f}" class="grid"/>'
            f'<text x="{ml - 6}" y="{y(t) + 4:.1f}" text-anchor="end" class="tick">{_num(t)}</text>'
        )
    parts.append(
        f'<text x="12" y="{mt + ph / 2:.1f}" transform="rotate(-90 12 {mt + ph / 2:.1f})" '
        f'text-anchor="middle" class="axis-title">{esc(y_title)}</text>'
    )
    for s in series:
        if s.kind == "bar":
            for i, v in enumerate(s.values):
                if missing(v) or v <= 0:
                    continue
                color = bar_colors[i] if bar_colors else s.color
                x = ml + i * band + gap / 2
                tip = f"<title>{esc(tooltips[i])}</title>" if tooltips else ""
                parts.append(
                    f'<rect x="{x:.2f}" y="{y(v):.2f}" width="{max(band - gap, 0.8):.2f}" '
                    f'height="{y(0) - y(v):.2f}" fill="{color}">{tip}</rect>'
                )
                if value_labels:
                    parts.append(
                        f'<text x="{x + (band - gap) / 2:.1f}" y="{y(v) - 4:.1f}" text-anchor="middle" '
                        f'class="value">{_num(v)}</text>'
                    )
        elif s.kind == "inner":
            for i, v in enumerate(s.values):
                if missing(v) or v <= 0:
                    continue
                w = max((band - gap) * 0.45, 0.8)
                x = ml + i * band + band / 2 - w / 2
                parts.append(
                    f'<rect x="{x:.2f}" y="{y(v):.2f}" width="{w:.2f}" height="{y(0) - y(v):.2f}" '
                    f'fill="{s.color}"/>'
                )
        elif s.kind == "line":
            pts = [
                (ml + i * band + band / 2, y(v)) for i, v in enumerate(s.values) if not missing(v)
            ]
            if len(pts) > 1:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{s.color}" stroke-width="2.2"/>')
            for (px, py), v in zip(pts, [v for v in s.values if not missing(v)], strict=True):
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.2" fill="{s.color}"/>')
                if value_labels and s.labelled:
                    parts.append(
                        f'<text x="{px + 5:.1f}" y="{py - 5:.1f}" class="value" fill="{s.color}">'
                        f"{_num(v)}</text>"
                    )
    for i, text in (annotations or {}).items():  # marked bars: a triangle and a label above
        v = max(s.values[i] for s in series if s.kind == "bar")
        cx = ml + i * band + band / 2
        ty = y(v) - 4
        parts.append(
            f'<path d="M{cx - 4:.1f},{ty - 6:.1f} L{cx + 4:.1f},{ty - 6:.1f} L{cx:.1f},{ty:.1f} Z" '
            f'fill="{RED}"/>'
        )
        if text:
            parts.append(
                f'<text x="{cx:.1f}" y="{ty - 9:.1f}" text-anchor="middle" class="annotation">'
                f"{esc(text)}</text>"
            )
    parts.append(f'<line x1="{ml}" y1="{y(0):.1f}" x2="{width - mr}" y2="{y(0):.1f}" class="axis"/>')
    for i, lab in enumerate(labels):  # x axis labels
        if tick_at is None or tick_at(i):
            cx = ml + i * band + band / 2
            parts.append(
                f'<line x1="{cx:.1f}" y1="{y(0):.1f}" x2="{cx:.1f}" y2="{y(0) + 4:.1f}" class="axis"/>'
                f'<text x="{cx:.1f}" y="{y(0) + 16:.1f}" text-anchor="middle" class="tick">{esc(lab)}</text>'
            )
    if legend:
        parts.append(_legend(legend, width - mr, 16))
    parts.append("</svg>")
    return "".join(parts)


def bar_list_chart(
    rows: Sequence[tuple[str, float, str]],
    *,
    label: str,
    color: str = BLUE,
    label_width: int = 210,
) -> str:
    """Horizontal bars, one per row (label, value, text shown after the bar)."""
    width = CHART_WIDTH
    bar_h, step, mt, mb = 16, 24, 8, 8
    height = mt + step * len(rows) + mb
    x0, x_end = label_width, width - 130
    vmax = max([v for _, v, _ in rows] + [1])
    parts = [_svg_open(width, height, label)]
    for i, (name, value, note) in enumerate(rows):
        yy = mt + i * step
        w = max((float(value) / vmax) * (x_end - x0), 1.0 if value else 0.0)
        parts.append(
            f'<text x="{x0 - 8}" y="{yy + bar_h - 4}" text-anchor="end" class="label">'
            f"<title>{esc(name)}</title>{esc(shorten(name, 26))}</text>"
            f'<rect x="{x0}" y="{yy}" width="{w:.1f}" height="{bar_h}" fill="{color}" rx="2"/>'
            f'<text x="{x0 + w + 6:.1f}" y="{yy + bar_h - 4}" class="value">{esc(note)}</text>'
        )
    parts.append(f'<line x1="{x0}" y1="{mt - 3}" x2="{x0}" y2="{height - mb + 3}" class="axis"/>')
    parts.append("</svg>")
    return "".join(parts)
