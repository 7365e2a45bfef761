"""The report's chart definitions: Altair charts that read well, with Chinese text and at any size.

Owns how a chart of the Streamlit report looks, apart from where it is shown
(`reports.ui.show_chart` puts one on a page): CJK fonts first, labels never
cut or rotated, counts on whole-number axes (no 0.5 ticks), shares as
percentages, dates with their year when the data spans years, and the
report's colours. No Streamlit here: a definition is plain Altair.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import altair as alt
import pandas as pd

# Chart text: CJK fonts first so Chinese labels do not fall back glyph by glyph.
FONT = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', 'Source Sans Pro', sans-serif"
)
PEAK_COLOR = "#d62728"
BAR_COLOR = "#4c78a8"
QUESTION_COLOR = "#f58518"
# Rows of a chart with one name per row: CJK fonts have tall line boxes, and Vega hides a
# label whose box touches its neighbour's, so rows get room and no label is ever dropped.
ROW_HEIGHT = 26

COUNT_FORMAT = ",d"
SHARE_FORMAT = ".0%"


def configured(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """`chart` with the report's fonts and labels that are never cut."""
    return (
        chart.configure(font=FONT)
        .configure_axis(labelFont=FONT, titleFont=FONT, labelLimit=360, titleFontWeight="normal")
        .configure_legend(labelFont=FONT, titleFont=FONT, labelLimit=360)
        .configure_header(labelFont=FONT, titleFont=FONT, labelLimit=360)
        .configure_title(font=FONT, anchor="start")
    )


def value_axis(fmt: str | None = None, **kw: Any) -> alt.Axis:
    """An axis of values: counts (`,d`) get whole-number ticks only, shares read as percentages."""
    if fmt in (COUNT_FORMAT, ",.0f", "d"):
        return alt.Axis(format=COUNT_FORMAT, tickMinStep=1, **kw)
    return alt.Axis(format=fmt, **kw) if fmt else alt.Axis(**kw)


def count_axis(**kw: Any) -> alt.Axis:
    return value_axis(COUNT_FORMAT, **kw)


def minute_axis(field: str = "minute_at", title: str = "time") -> alt.X:
    """A time axis for session-local wall-clock times (zoneless: read as UTC so browsers do not shift it)."""
    return alt.X(
        f"{field}:T",
        timeUnit="utcyearmonthdatehoursminutes",
        title=title,
        axis=alt.Axis(format="%H:%M", labelOverlap=True, labelAngle=0),
    )


def spans_years(dates: Iterable[object]) -> bool:
    years = {pd.Timestamp(d).year for d in dates if d is not None and not pd.isna(d)}
    return len(years) > 1


def date_axis(dates: Iterable[object] = (), field: str = "session_date", title: str = "session date") -> alt.X:
    """A date axis: month-day within one year (the year in the title), the full date when `dates` span years;
    one tick per session date when there are few, never two in one day."""
    dates = list(dates)
    if spans_years(dates):
        fmt = "%Y-%m-%d"
    else:
        fmt = "%m-%d"
        years = {pd.Timestamp(d).year for d in dates if d is not None and not pd.isna(d)}
        if years:
            title = f"{title} ({years.pop()})"
    days = sorted({pd.Timestamp(d).normalize() for d in dates if d is not None and not pd.isna(d)})
    ticks: dict[str, Any] = {"tickMinStep": 86_400_000}  # never two ticks in one day (time scales step in ms)
    if 0 < len(days) <= 12:  # few sessions: a tick on each session's date, none between
        ticks = {"values": [alt.DateTime(year=d.year, month=d.month, date=d.day, utc=True) for d in days]}
    return alt.X(
        f"{field}:T",
        timeUnit="utcyearmonthdate",
        title=title,
        axis=alt.Axis(format=fmt, labelOverlap=True, labelAngle=0, **ticks),
    )


def name_axis(**kw: Any) -> alt.Axis:
    """An axis of names or terms (often Chinese): every label shown, none cut or rotated."""
    return alt.Axis(labelOverlap=False, labelLimit=360, labelAngle=0, labelPadding=6, **kw)


def hbar(
    frame: pd.DataFrame,
    label: str,
    value: str,
    *,
    label_title: str = "",
    value_title: str = "",
    color: str | None = None,
    tooltip: list[Any] | None = None,
    value_format: str | None = None,
) -> alt.Chart:
    """Horizontal bars, longest first: labels (often Chinese) read along the bar, unrotated and uncut.

    One band of ROW_HEIGHT per row (`height={"step": ...}`), so the chart grows with its rows and
    no two labels share a line; `value_format` `,d` (counts) gives whole-number ticks.
    """
    enc: dict[str, Any] = {
        "y": alt.Y(f"{label}:N", sort="-x", title=label_title or None, axis=name_axis()),
        "x": alt.X(f"{value}:Q", title=value_title or value, axis=value_axis(value_format)),
        "tooltip": tooltip
        or [alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", format=value_format or "")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", legend=alt.Legend(orient="top", title=None))
    else:
        enc["color"] = alt.value(BAR_COLOR)
    return alt.Chart(frame).mark_bar().encode(**enc).properties(height=alt.Step(ROW_HEIGHT))
