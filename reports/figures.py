"""The charts the report and the HTML export share: one Altair definition, two outputs.

Owns what each chart of a course or session shows (its fields, marks and
labels): the course's figures over the term, who carries a course's chat, how
many people wrote how much over a term, a session's messages per minute with
its peaks, the terms its questions were about, and its most active people.
How any chart looks (fonts, axes, colours) is `reports.charts`; the report's
pages show a definition with `reports.ui.show_chart`, and the export inlines
the same definition as SVG with `reports.chart_svg`. No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

from classchat.reports.charts import (
    BAR_COLOR,
    PEAK_COLOR,
    QUESTION_COLOR,
    count_axis,
    date_axis,
    hbar,
    minute_axis,
    value_axis,
)
from classchat.reports.fmt import session_label

# The figures of a course over the term: (column of `sessions`, title, number format).
TRENDS = [
    ("n_messages", "Messages", ",d"),
    ("n_participants", "Participants", ",d"),
    ("n_questions", "Questions", ",d"),
    ("answered_share", "Answered share", ".0%"),
    ("median_response_seconds", "Median response (s)", ",d"),
    ("participation_gini", "Inequality (Gini)", ".2f"),
]
TREND_PANEL_WIDTH = 205  # three panels a row fit the report at 1280 px and the export's page


def term_trends(sessions: pd.DataFrame) -> alt.ConcatChart:
    """One small line chart per figure of TRENDS over the term, each with its own axis and format.

    `sessions`: rows of the `sessions` mart (session_date, title, session_id and the TRENDS columns).
    """
    data = sessions.assign(
        session=[
            session_label(d, t, s)
            for d, t, s in zip(sessions["session_date"], sessions["title"], sessions["session_id"])
        ]
    )
    panels = [
        alt.Chart(data, title=label)
        .mark_line(point=True, color=BAR_COLOR)
        .encode(
            x=date_axis(sessions["session_date"], title="date"),
            y=alt.Y(f"{column}:Q", title=None, axis=value_axis(fmt, tickCount=4)),
            tooltip=[alt.Tooltip("session:N"), alt.Tooltip(f"{column}:Q", title=label, format=fmt)],
        )
        .properties(width=TREND_PANEL_WIDTH, height=150)
        for column, label, fmt in TRENDS
    ]
    return alt.concat(*panels, columns=3)


def carriers(people: pd.DataFrame, top: int = 20) -> alt.Chart:
    """Who carries a course's chat: the `top` people by share of its messages, coloured by role.

    `people`: rows of `reports.sql.COURSE_PEOPLE_SQL`, most messages first.
    """
    shown = people.head(top).copy()
    shown["share"] = shown["message_share"]
    return hbar(
        shown,
        "display_name",
        "share",
        value_title="share of the course's messages",
        color="role",
        value_format=".0%",
        tooltip=[
            alt.Tooltip("display_name:N", title="person"),
            alt.Tooltip("role:N"),
            alt.Tooltip("n_messages:Q", title="messages"),
            alt.Tooltip("share:Q", title="share", format=".1%"),
            alt.Tooltip("sessions_posted:Q", title="sessions posted in"),
        ],
    )


def concentration(counts: Sequence[int]) -> tuple[int, float, int]:
    """How concentrated messages are: (people in the most active tenth, their share of the messages,
    people who sent half of them). The tenth is at least one person, rounded up, as `top10_share`
    of the `sessions` mart (macro `inequality`)."""
    ordered = sorted((int(c) for c in counts), reverse=True)
    total = sum(ordered)
    tenth = max(1, math.ceil(len(ordered) / 10))
    top_share = sum(ordered[:tenth]) / total if total else 0.0
    half, running = 0, 0
    for half, count in enumerate(ordered, start=1):
        running += count
        if running >= total / 2:
            break
    return tenth, top_share, half


def carriers_note(people: pd.DataFrame, top: int = 20) -> str:
    """The sentence under `carriers`: how concentrated the course's messages are (`concentration`)."""
    n = len(people)
    tenth, top_share, half = concentration(list(people["n_messages"]))
    note = (
        f"{n} people wrote in this course. The most active tenth ({tenth} "
        f"{'person' if tenth == 1 else 'people'}) sent {top_share:.0%} of the messages; "
        f"{half} {'person' if half == 1 else 'people'} sent half of them."
    )
    if n > top:
        note += f" The chart shows the top {top}."
    return note


def messages_histogram(buckets: Sequence[tuple[str, int, bool]]) -> alt.Chart:
    """How many people wrote 1, 2, 3–5, … messages: (bucket label, people, quiet) in axis order."""
    frame = pd.DataFrame(
        {
            "messages": [b[0] for b in buckets],
            "people": [b[1] for b in buckets],
            "group": ["silent-ish" if b[2] else "more active" for b in buckets],
        }
    )
    order = list(frame["messages"])
    base = alt.Chart(frame).encode(x=alt.X("messages:N", sort=order, title="messages over the term",
                                           axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar().encode(
        y=alt.Y("people:Q", title="people", axis=count_axis()),
        color=alt.Color(
            "group:N",
            scale=alt.Scale(domain=["silent-ish", "more active"], range=[QUESTION_COLOR, BAR_COLOR]),
            legend=alt.Legend(orient="top", title=None),
        ),
        tooltip=[alt.Tooltip("messages:N"), alt.Tooltip("people:Q")],
    )
    values = base.mark_text(dy=-7).encode(y=alt.Y("people:Q"), text=alt.Text("people:Q", format=",d"))
    return alt.layer(bars, values).properties(height=200)


# Peak labels need about this many pixels each; the activity chart is about this wide.
_LABEL_PX, _CHART_PX = 48, 840


def peak_labels(frame: pd.DataFrame) -> list[str]:
    """The minute of each peak to write above its bar, biggest first, leaving out any that would touch
    a label already placed (every peak stays red; its minute is in the table below the chart)."""
    n = max(len(frame), 1)
    gap = max(1, -(-_LABEL_PX * n // _CHART_PX))  # minutes between two labels
    placed: list[int] = []
    peaks = frame.index[frame["is_peak"].fillna(False).astype(bool)]
    for i in sorted(peaks, key=lambda i: (-int(frame.at[i, "n_messages"]), i)):
        pos = frame.index.get_loc(i)
        if all(abs(pos - other) >= gap for other in placed):
            placed.append(pos)
    return [frame.at[i, "minute"] if frame.index.get_loc(i) in placed else "" for i in frame.index]


def minute_activity(minutes: pd.DataFrame, peaks: pd.DataFrame, *, offset: bool = False) -> alt.LayerChart:
    """A session's messages per minute: peak minutes red and labelled, questions as diamonds.

    `minutes` and `peaks`: rows of `reports.sql.SESSION_MINUTES_SQL` and `SESSION_PEAKS_SQL`. With
    `offset` (`fmt.is_offset_session`) the axis says its times count from the recording's start.
    """
    frame = minutes.merge(peaks[["minute", "question"]], on="minute", how="left")
    frame["asked"] = frame["question"].fillna("")
    frame["kind"] = frame["is_peak"].map({True: "peak", False: "messages"}).fillna("messages")
    frame["peak_label"] = peak_labels(frame)
    base = alt.Chart(frame).encode(
        x=minute_axis(title="time since the recording began (hours:minutes)" if offset else "time")
    )
    tooltip = [
        alt.Tooltip("minute:N"),
        alt.Tooltip("n_messages:Q", title="messages"),
        alt.Tooltip("n_questions:Q", title="questions"),
        alt.Tooltip("n_senders:Q", title="people"),
        alt.Tooltip("n_tech_issues:Q", title="tech issues"),
        alt.Tooltip("asked:N", title="being asked"),
    ]
    top = int(frame["n_messages"].max() or 1)
    y_scale = alt.Scale(domain=[0, top + max(1, round(top * 0.15))])  # room for the labels above
    bars = base.mark_bar().encode(
        y=alt.Y("n_messages:Q", title="messages per minute", axis=count_axis(), scale=y_scale),
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=["messages", "peak"], range=[BAR_COLOR, PEAK_COLOR]),
            legend=alt.Legend(orient="top", title=None),
        ),
        tooltip=tooltip,
    )
    questions = (
        base.transform_filter("datum.n_questions > 0")
        .mark_point(shape="diamond", filled=True, size=60, color=QUESTION_COLOR)
        .encode(y=alt.Y("n_questions:Q", scale=y_scale), tooltip=tooltip)
    )
    marks = (
        base.transform_filter("datum.peak_label != ''")
        .mark_text(dy=-8, color=PEAK_COLOR, fontSize=11)
        .encode(y=alt.Y("n_messages:Q", scale=y_scale), text=alt.Text("peak_label:N"))
    )
    return alt.layer(bars, questions, marks).properties(height=280)


def question_topics(topics: pd.DataFrame) -> alt.Chart:
    """The terms a session's questions were about, by the number of questions that use them
    (rows of `reports.sql.SESSION_TOPICS_SQL`)."""
    return hbar(topics, "term", "n_questions", value_title="questions with the term", value_format=",d")


def session_people(people: pd.DataFrame) -> alt.Chart:
    """A session's most active people by messages, coloured by role (display_name, role, n_messages)."""
    return hbar(people, "display_name", "n_messages", value_title="messages", color="role", value_format=",d")
