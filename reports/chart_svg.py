"""Altair charts as inline SVG for the HTML export, offline.

Owns turning a chart definition of `reports.figures` into SVG markup the
export writes into its page: the report's configuration (`charts.configured`)
is applied, the data is inlined into the spec (no row limit: a chart is drawn
from the rows it was given), and vl-convert draws it with the Vega engine it
bundles, so nothing is fetched. Every text a chart shows comes out as SVG
text, escaped by Vega; the SVG carries `role="img"` and the chart's label.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any

import altair as alt
import vl_convert

from classchat.reports.charts import configured

_SVG_OPEN = re.compile(r"<svg\b")
_ROOT_NOISE = re.compile(r' (xmlns(:xlink)?="[^"]*"|class="marks")')


def _finite(value: Any) -> Any:
    """The spec with every NaN or infinity (a missing value in a frame) as null, which JSON can hold."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def inline_svg(chart: alt.TopLevelMixin, label: str, *, width: int | None = None) -> str:
    """`chart` as an `<svg class="chart">` element labelled `label` for screen readers.

    `width` sets the width of a single (or layered) chart in pixels; concatenated panels keep theirs.
    """
    if width is not None and not isinstance(chart, alt.ConcatChart | alt.HConcatChart | alt.VConcatChart):
        chart = chart.properties(width=width)
    with alt.data_transformers.enable("default", max_rows=None):
        spec = _finite(configured(chart).to_dict())
    svg = vl_convert.vegalite_to_svg(json.dumps(spec, allow_nan=False)).strip()
    root, rest = svg.split(">", 1)
    # inline in HTML the root needs no namespaces (and the page then holds no URL but the chat's own)
    root = _SVG_OPEN.sub(
        f'<svg class="chart" role="img" aria-label="{html.escape(label, quote=True)}"', _ROOT_NOISE.sub("", root), count=1
    )
    return f"{root}>{rest}"
