"""Course: one course's sessions as a table and as trends, and how participation is spread.

The sessions come from the `sessions` mart; "who carries the chat" ranks the
course's people by their share of its messages (`user_sessions`), and "who is
silent across sessions" shows, per person, the sessions they posted in and
the ones they stayed silent in (a person × session grid). The course chosen in
the sidebar is remembered for the other pages.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from classchat.reports import attendance_text, figures, ui
from classchat.reports.sql import COURSE_PEOPLE_SQL

COURSE_SQL = "select * from courses where course_id = ?"

SESSIONS_SQL = """
select session_id, session_date, title, instructor,
       strftime(started_at, '%H:%M') as started, duration_minutes,
       n_messages, n_participants, n_questions, n_unanswered_questions,
       answered_share,
       median_response_seconds,
       strftime(peak_minute_at, '%H:%M') as peak_minute, peak_minute_messages,
       participation_gini, top10_share, n_tech_issues
from sessions
where course_id = ?
order by session_date, started_at, session_id
"""

# One row per person who wrote in the course: reports.sql.COURSE_PEOPLE_SQL (shared with the export).
PEOPLE_SQL = COURSE_PEOPLE_SQL

GRID_SQL = """
select us.user_id, us.display_name, s.session_id, s.session_date, s.title, us.n_messages
from user_sessions us
join sessions s using (session_id)
where us.course_id = ? and us.role is distinct from 'system' and us.n_messages > 0
order by s.session_date, us.display_name
"""

def _grid(grid: pd.DataFrame, people: pd.DataFrame, sessions: pd.DataFrame) -> alt.Chart:
    order = list(dict.fromkeys(people["display_name"]))
    labels = {
        s: ui.session_label(d, t, s)
        for s, d, t in zip(sessions["session_id"], sessions["session_date"], sessions["title"])
    }
    session_order = [labels[s] for s in sessions["session_id"]]
    # every person × session, silent ones as 0 so they show as empty cells
    full = pd.MultiIndex.from_product(
        [people["user_id"], sessions["session_id"]], names=["user_id", "session_id"]
    )
    counts = grid.set_index(["user_id", "session_id"])["n_messages"]
    frame = pd.DataFrame(index=full).join(counts).reset_index()
    frame["n_messages"] = frame["n_messages"].fillna(0).astype(int)
    frame["display_name"] = frame["user_id"].map(dict(zip(people["user_id"], people["display_name"])))
    frame["session"] = frame["session_id"].map(labels)
    frame["status"] = frame["n_messages"].map(
        lambda n: "silent" if n == 0 else f"{n} message{'s' if n != 1 else ''}"
    )
    height = max(80, (ui.ROW_HEIGHT - 4) * len(order) + 60)
    base = alt.Chart(frame).encode(
        x=alt.X("session:N", sort=session_order, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=200)),
        y=alt.Y("display_name:N", sort=order, title=None, axis=ui.name_axis()),
        tooltip=[
            alt.Tooltip("display_name:N", title="person"),
            alt.Tooltip("session:N"),
            alt.Tooltip("status:N"),
        ],
    )
    cells = base.mark_rect(stroke="#ffffff").encode(
        color=alt.condition(
            "datum.n_messages > 0",
            alt.Color("n_messages:Q", title="messages", scale=alt.Scale(scheme="blues", type="sqrt")),
            alt.value("#f3f3f3"),
        )
    )
    return cells.properties(height=height)


def render() -> None:
    st.title("Course")
    all_courses = ui.require_courses()
    if all_courses is None:
        return
    course = ui.choose_course(all_courses)
    row = ui.q(COURSE_SQL, course)
    sessions = ui.q(SESSIONS_SQL, course)
    if row.empty or sessions.empty:
        st.info(f"Course {ui.code(course)} has no sessions.")
        return
    c = row.iloc[0]
    st.caption(
        f"{ui.code(course)} · {ui.plural(c['n_sessions'], 'session')} "
        f"from {ui.fmt_date(c['first_session_date'])} "
        f"to {ui.fmt_date(c['last_session_date'])}"
    )
    cols = st.columns(4) + st.columns(4)[:3]  # two rows: every figure whole at 1280 px
    cols[0].metric("Sessions", ui.fmt_int(c["n_sessions"]))
    cols[1].metric("People", ui.fmt_int(c["n_participants"]), help="Distinct people who posted.")
    cols[2].metric("Messages / session", ui.fmt_float(c["messages_per_session"]))
    cols[3].metric("Questions / session", ui.fmt_float(c["questions_per_session"]))
    cols[4].metric(
        "Answered", ui.fmt_pct(c["answered_share"]), help="Share of the course's questions answered."
    )
    cols[5].metric("Median response", ui.fmt_seconds(c["median_response_seconds"]))
    cols[6].metric(
        "Gini",
        ui.fmt_float(c["participation_gini"], 2),
        help="Inequality of messages per person over the course: 0 everyone equal, near 1 one voice.",
    )
    if attendance_text.course_has_report(c):  # Zoom participants reports: who was there
        ui.figure_metrics(attendance_text.course_figures(c), 4)
        st.caption(
            f"Attendance over the sessions with a participants report: {attendance_text.silent_rule()}. "
            "The Attendance page shows who (docs/attendance.md)."
        )
    else:
        st.caption(attendance_text.would_add_course(course, ui.code))

    st.subheader("Sessions")
    if sessions["instructor"].isna().all():  # sessions.csv names no instructor
        sessions = sessions.drop(columns=["instructor"])
    ui.table(
        sessions,
        f"{course}_sessions",
        column_config={
            "session_id": None,
            "session_date": st.column_config.DateColumn("date", format="YYYY-MM-DD"),
            "title": st.column_config.TextColumn("title", width="medium"),
            "duration_minutes": st.column_config.NumberColumn("minutes", format="%.0f"),
            "n_messages": st.column_config.NumberColumn("messages"),
            "n_participants": st.column_config.NumberColumn("people"),
            "n_questions": st.column_config.NumberColumn("questions"),
            "n_unanswered_questions": st.column_config.NumberColumn("unanswered"),
            "answered_share": st.column_config.NumberColumn("answered", format="percent"),
            "median_response_seconds": st.column_config.NumberColumn("median response", format="%.0f s"),
            "peak_minute": st.column_config.TextColumn("peak minute", help="The busiest minute."),
            "peak_minute_messages": st.column_config.NumberColumn("peak messages"),
            "participation_gini": st.column_config.NumberColumn("Gini", format="%.2f"),
            "top10_share": st.column_config.NumberColumn("top 10% share", format="percent"),
            "n_tech_issues": st.column_config.NumberColumn("tech issues"),
            "n_links": st.column_config.NumberColumn("links"),
        },
    )
    if len(sessions) > 1:
        ui.show_chart(figures.term_trends(sessions))
    else:
        st.caption("Trends appear once the course has more than one session.")

    st.subheader("Who carries the chat")
    people = ui.q(PEOPLE_SQL, course, course)
    if people.empty:
        st.caption("Nobody wrote in this course.")
        return
    st.caption(figures.carriers_note(people))
    ui.show_chart(figures.carriers(people))

    st.subheader("Who is silent across sessions")
    st.caption(
        "Each row is a person who wrote at least once in the course; grey cells are sessions they "
        "stayed silent in. People who never wrote are not in the chat exports and so not here."
    )
    grid = ui.q(GRID_SQL, course)
    ui.show_chart(_grid(grid, people, sessions))
    ui.table(
        people.sort_values(["sessions_posted", "n_messages", "display_name"], ascending=[True, True, True]),
        f"{course}_participation",
        column_config={
            "display_name": st.column_config.TextColumn("person"),
            "sessions_posted": st.column_config.NumberColumn("sessions posted in"),
            "sessions_silent": st.column_config.NumberColumn("sessions silent"),
            "n_messages": st.column_config.NumberColumn("messages"),
            "message_share": st.column_config.NumberColumn("share", format="percent"),
            "n_questions": st.column_config.NumberColumn("questions"),
            "n_answers": st.column_config.NumberColumn("answers given"),
            "n_tech_issues": st.column_config.NumberColumn("tech issues"),
            "last_message_at": st.column_config.DatetimeColumn("last message", format="YYYY-MM-DD HH:mm"),
        },
    )


render()
