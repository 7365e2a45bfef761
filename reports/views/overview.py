"""Overview: every course side by side, and how each moved over the term.

For a programme coordinator: the `courses` mart as a table (participation,
questions per session, answered share, response time, inequality), the same
figures as small bar charts, course against course, and one figure per session
over the term (`sessions`), one line per course.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from classchat.reports import ui

TOTALS_SQL = """
select
    (select count(*) from courses)::integer as n_courses,
    (select count(*) from sessions)::integer as n_sessions,
    (select coalesce(sum(n_messages), 0) from sessions)::bigint as n_messages,
    (select count(*) from users where role is distinct from 'system')::integer as n_people,
    (select coalesce(sum(n_questions), 0) from sessions)::bigint as n_questions,
    (select coalesce(sum(n_unanswered_questions), 0) from sessions)::bigint as n_unanswered
"""

COURSES_SQL = """
select course_id, n_sessions, first_session_date, last_session_date, n_participants,
       participants_per_session, messages_per_session, questions_per_session, answered_share,
       median_response_seconds, participation_gini, mean_session_gini, n_unanswered_questions, n_tech_issues
from courses
order by course_id
"""

TREND_SQL = """
select course_id, session_id, session_date, title,
       n_messages, n_participants, n_questions,
       answered_share,
       median_response_seconds, participation_gini
from sessions
order by session_date, started_at, session_id
"""

# (column, label, axis format): counts per session with one decimal, shares as percentages
COMPARE = [
    ("participants_per_session", "Participants per session", ",.1~f"),
    ("questions_per_session", "Questions per session", ",.1~f"),
    ("answered_share", "Answered share", ".0%"),
    ("median_response_seconds", "Median response (s)", ",d"),
    ("participation_gini", "Inequality (Gini)", ".2f"),
]

TREND = {
    "Messages": ("n_messages", ",d"),
    "Participants": ("n_participants", ",d"),
    "Questions": ("n_questions", ",d"),
    "Answered share": ("answered_share", ".0%"),
    "Median response (s)": ("median_response_seconds", ",d"),
    "Inequality (Gini)": ("participation_gini", ".2f"),
}


def _compare_chart(frame: pd.DataFrame) -> alt.ConcatChart:
    """One small bar chart per figure, course against course, each with its own axis and format."""
    height = max(60, ui.ROW_HEIGHT * frame["course_id"].nunique())
    panels = []
    for column, label, fmt in COMPARE:
        panels.append(
            alt.Chart(frame, title=label)
            .mark_bar()
            .encode(
                y=alt.Y("course_id:N", title=None, axis=ui.name_axis()),
                x=alt.X(f"{column}:Q", title=None, axis=ui.value_axis(fmt, tickCount=4)),
                color=alt.Color("course_id:N", legend=None),
                tooltip=[
                    alt.Tooltip("course_id:N", title="course"),
                    alt.Tooltip(f"{column}:Q", title=label, format=fmt),
                ],
            )
            .properties(width=220, height=height)
        )
    return alt.concat(*panels, columns=3)


def _trend_chart(frame: pd.DataFrame, column: str, label: str, fmt: str) -> alt.Chart:
    data = frame.assign(
        session=[
            ui.session_label(d, t, s)
            for d, t, s in zip(frame["session_date"], frame["title"], frame["session_id"])
        ]
    )
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=ui.date_axis(frame["session_date"]),
            y=alt.Y(f"{column}:Q", title=label, axis=ui.value_axis(fmt)),
            color=alt.Color("course_id:N", title="course", legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("course_id:N", title="course"),
                alt.Tooltip("session:N"),
                alt.Tooltip(f"{column}:Q", title=label, format=fmt),
            ],
        )
        .properties(height=300)
    )


def render() -> None:
    st.title("Overview")
    if ui.require_courses() is None:
        return
    totals = ui.q(TOTALS_SQL).iloc[0]
    cols = st.columns(6)
    cols[0].metric("Courses", ui.fmt_int(totals["n_courses"]))
    cols[1].metric("Sessions", ui.fmt_int(totals["n_sessions"]))
    cols[2].metric("Messages", ui.fmt_int(totals["n_messages"]))
    cols[3].metric("People", ui.fmt_int(totals["n_people"]), help="People who posted at least once.")
    cols[4].metric("Questions", ui.fmt_int(totals["n_questions"]))
    cols[5].metric("Unanswered", ui.fmt_int(totals["n_unanswered"]))

    st.subheader("Courses side by side")
    frame = ui.q(COURSES_SQL)
    ui.show_chart(_compare_chart(frame))
    ui.table(
        frame,
        "courses",
        column_config={
            "course_id": st.column_config.TextColumn("course"),
            "n_sessions": st.column_config.NumberColumn("sessions"),
            "first_session_date": st.column_config.DateColumn("first session", format="YYYY-MM-DD"),
            "last_session_date": st.column_config.DateColumn("last session", format="YYYY-MM-DD"),
            "n_participants": st.column_config.NumberColumn("people", help="Distinct people who posted."),
            "participants_per_session": st.column_config.NumberColumn("people / session", format="%.1f"),
            "messages_per_session": st.column_config.NumberColumn("messages / session", format="%.1f"),
            "questions_per_session": st.column_config.NumberColumn("questions / session", format="%.1f"),
            "answered_share": st.column_config.NumberColumn("answered", format="percent"),
            "median_response_seconds": st.column_config.NumberColumn(
                "median response", format="%.0f s", help="Median seconds from a question to its answer."
            ),
            "participation_gini": st.column_config.NumberColumn(
                "Gini", format="%.2f", help="Inequality of messages per person over the course (0 = equal)."
            ),
            "mean_session_gini": st.column_config.NumberColumn("mean session Gini", format="%.2f"),
            "n_unanswered_questions": st.column_config.NumberColumn("unanswered"),
            "n_tech_issues": st.column_config.NumberColumn("tech issues"),
        },
        # the per-session figures are in the charts above; the CSV has them too
        csv_only=["participants_per_session", "messages_per_session", "questions_per_session", "mean_session_gini"],
    )

    st.subheader("Over the term")
    trend = ui.q(TREND_SQL)
    label = (
        st.segmented_control("Figure per session", list(TREND), default="Participants", key="overview:trend")
        or "Participants"
    )
    column, fmt = TREND[label]
    ui.show_chart(_trend_chart(trend, column, label, fmt))
    with st.expander("Sessions of every course (table)"):
        ui.table(
            trend,
            "sessions_all_courses",
            column_config={
                "session_id": None,
                "session_date": st.column_config.DateColumn("date", format="YYYY-MM-DD"),
                "answered_share": st.column_config.NumberColumn("answered", format="percent"),
                "median_response_seconds": st.column_config.NumberColumn(
                    "median response (s)", format="%.0f"
                ),
                "participation_gini": st.column_config.NumberColumn("Gini", format="%.2f"),
            },
        )


render()
