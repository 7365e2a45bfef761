"""The classchat report: one class session at a glance, for the teacher or TA after a lecture.

This Streamlit script owns the interactive report. The sidebar picks a course
and one of its sessions (newest first); the page shows the session's key
figures from the `sessions` mart (messages, participants, questions, duration),
chat activity per minute with silent minutes filled in as zeros, the questions
that were asked, and the ten most active participants, all read from the
`messages` mart. It only reads the warehouse through `reports.db` (read-only,
no file access outside the database, parameters always bound) and caches each
result keyed on the warehouse's path and modification stamp, so a rebuilt
warehouse is picked up on the next rerun. The data directory comes from
`classchat.config.get_paths()` (env `CLASSCHAT_DATA_DIR`); `streamlit run
reports/app.py` runs this file as a script, so it puts the project root on
`sys.path` itself before importing the project.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(_PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(_PROJECT_ROOT))

import altair as alt  # noqa: E402
import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from classchat.config import get_paths  # noqa: E402
from reports import db  # noqa: E402

# --- SQL (every user value is a bound `?` parameter) -------------------------

COURSES_SQL = """
select course_id, count(*)::integer as n_sessions, max(session_date) as last_date
from sessions
group by course_id
order by course_id
"""

SESSIONS_SQL = """
select session_id, session_date, title, source_format, started_at, ended_at,
       duration_minutes, n_messages, n_participants, n_questions
from sessions
where course_id = ?
order by session_date desc nulls last, started_at desc nulls last, session_id desc
"""

# Minutes from the session's start to its end (widened to any message outside
# that span, capped at one day), each with its message and question counts; the
# minutes nobody wrote in come out as zeros so silences show in the chart.
PER_MINUTE_SQL = """
with p as (select ?::varchar as session_id),
counts as (
    select m.minute_at,
           count(*)::integer as messages,
           (count(*) filter (where m.is_question))::integer as questions
    from messages m join p using (session_id)
    group by m.minute_at
),
bounds as (
    select least(min(date_trunc('minute', s.started_at)), (select min(minute_at) from counts)) as lo,
           greatest(max(date_trunc('minute', s.ended_at)), (select max(minute_at) from counts)) as hi
    from p left join sessions s using (session_id)
),
minutes as (
    select unnest(generate_series(lo, least(hi, lo + interval 1 day), interval 1 minute)) as minute_at
    from bounds
    where lo is not null and hi is not null
    union
    select minute_at from counts
)
select minutes.minute_at,
       strftime(minutes.minute_at, '%H:%M') as minute,
       coalesce(c.messages, 0)::integer as messages,
       coalesce(c.questions, 0)::integer as questions
from minutes left join counts c using (minute_at)
order by minutes.minute_at
"""

QUESTIONS_SQL = """
select strftime(sent_at, '%H:%M:%S') as time, sender_name as sender, body as question
from messages
where session_id = ? and is_question
order by seq
"""

TOP_PARTICIPANTS_SQL = """
select mode(sender_name) as sender_name,
       count(*)::integer as messages,
       (count(*) filter (where is_question))::integer as questions
from messages
where session_id = ? and message_kind is distinct from 'system'
group by user_id
order by messages desc, questions desc, sender_name
limit 10
"""

# --- data access --------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(warehouse: str, stamp: tuple[int, int, int], sql: str, params: tuple) -> pd.DataFrame:
    """One query result; `stamp` is only part of the key, so a rebuilt warehouse misses the cache."""
    return db.query(warehouse, sql, list(params))


class Warehouse:
    """The warehouse file of this run, with its stamp taken once so a run reads one consistent state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stamp = db.stamp(path)

    def query(self, sql: str, *params: object) -> pd.DataFrame:
        return _cached_query(str(self.path), self.stamp, sql, tuple(params))


# --- page ---------------------------------------------------------------------


def _fmt_count(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value):,}"


def _fmt_minutes(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.0f}"


def _fmt_date(value: object) -> str:
    return "undated" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _session_label(row: pd.Series) -> str:
    title = row["title"] if isinstance(row["title"], str) and row["title"].strip() else row["session_id"]
    return f"{_fmt_date(row['session_date'])} · {title}"


def _activity_chart(per_minute: pd.DataFrame) -> alt.Chart:
    """Messages per minute, with the minute's questions drawn over them.

    Timestamps are session-local wall-clock times without a zone; a UTC time
    unit keeps the browser from shifting them into its own zone.
    """
    colors = alt.Scale(domain=["messages", "questions"], range=["#4c78a8", "#f58518"])
    return (
        alt.Chart(per_minute)
        .transform_fold(["messages", "questions"], as_=["series", "count"])
        .mark_bar()
        .encode(
            x=alt.X(
                "minute_at:T",
                timeUnit="utcyearmonthdatehoursminutes",
                title="time",
                axis=alt.Axis(format="%H:%M", labelOverlap=True),
            ),
            y=alt.Y("count:Q", stack=None, title="per minute"),
            color=alt.Color("series:N", scale=colors, title=None, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("minute:N", title="minute"),
                alt.Tooltip("series:N", title="what"),
                alt.Tooltip("count:Q", title="count"),
            ],
        )
        .properties(height=260)
    )


def _stop_with(kind: str, text: str) -> None:
    getattr(st, kind)(text)
    st.stop()


def main() -> None:
    st.set_page_config(page_title="classchat", page_icon="💬", layout="wide")
    st.title("classchat")

    warehouse = Warehouse(get_paths().warehouse)
    if not warehouse.path.is_file():
        _stop_with(
            "info",
            f"No warehouse at `{warehouse.path}` yet.\n\n"
            "Put chat exports under `raw/<course>/` in the data directory and run `classchat run` "
            "to build it (or `classchat demo` to try it on generated sample courses). "
            "The data directory is `./data` unless `--data-dir` or `CLASSCHAT_DATA_DIR` says otherwise.",
        )

    try:
        _session_page(warehouse)
    except db.WarehouseBusy:
        # A `classchat run` holds the write lock; any query of this run may meet it.
        _stop_with("warning", "The warehouse is being rebuilt right now. Reload this page in a moment.")


def _session_page(warehouse: Warehouse) -> None:
    try:
        courses = warehouse.query(COURSES_SQL)
    except duckdb.CatalogException as exc:
        _stop_with(
            "error",
            f"The warehouse at `{warehouse.path}` has no `sessions` table; rebuild it with "
            f"`classchat run`.\n\n({str(exc).splitlines()[0]})",
        )
    if courses.empty:
        _stop_with("info", "The warehouse holds no sessions yet: add chat exports and run `classchat run`.")

    # --- sidebar: course, then session -------------------------------------
    with st.sidebar:
        n_sessions = dict(zip(courses["course_id"], courses["n_sessions"]))
        course = st.selectbox(
            "Course",
            list(courses["course_id"]),
            format_func=lambda c: f"{c} ({n_sessions[c]} session{'s' if n_sessions[c] != 1 else ''})",
            key="course",
        )
        sessions = warehouse.query(SESSIONS_SQL, course)
        labels = {row["session_id"]: _session_label(row) for _, row in sessions.iterrows()}
        session_id = st.selectbox(
            "Session",
            list(sessions["session_id"]),
            format_func=lambda s: labels.get(s, s),
            key=f"session:{course}",
            help="Newest first.",
        )
        built = datetime.fromtimestamp(warehouse.stamp[0] / 1e9).strftime("%Y-%m-%d %H:%M")
        st.caption(f"Warehouse `{warehouse.path}`, last built {built}.")

    if session_id is None:
        _stop_with("info", f"Course `{course}` has no sessions.")
    session = sessions.loc[sessions["session_id"] == session_id].iloc[0]

    # --- header and key figures ---------------------------------------------
    st.subheader(labels[session_id])
    span = ""
    if pd.notna(session["started_at"]) and pd.notna(session["ended_at"]):
        span = f"{session['started_at']:%H:%M} – {session['ended_at']:%H:%M} · "
    st.caption(f"{span}`{session_id}` · export format `{session['source_format']}`")

    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Messages", _fmt_count(session["n_messages"]))
    c2.metric("Participants", _fmt_count(session["n_participants"]), help="Distinct senders.")
    c3.metric("Questions", _fmt_count(session["n_questions"]))
    duration = _fmt_minutes(session["duration_minutes"])
    c4.metric("Duration (min)", duration, help="From the start to the end of the session.")

    # --- activity over time ---------------------------------------------------
    st.markdown("#### Messages per minute")
    per_minute = warehouse.query(PER_MINUTE_SQL, session_id)
    if per_minute.empty:
        st.caption("No messages in this session.")
    else:
        st.altair_chart(_activity_chart(per_minute), width="stretch")

    left, right = st.columns([3, 2])

    # --- questions -------------------------------------------------------------
    with left:
        questions = warehouse.query(QUESTIONS_SQL, session_id)
        st.markdown(f"#### Questions asked ({len(questions)})")
        if questions.empty:
            st.caption("No questions were detected in this session.")
        else:
            st.dataframe(
                questions,
                hide_index=True,
                width="stretch",
                column_config={
                    "time": st.column_config.TextColumn("time", width="small"),
                    "sender": st.column_config.TextColumn("sender", width="small"),
                    "question": st.column_config.TextColumn("question", width="large"),
                },
            )

    # --- most active participants ------------------------------------------------
    with right:
        top = warehouse.query(TOP_PARTICIPANTS_SQL, session_id)
        st.markdown("#### Most active participants")
        if top.empty:
            st.caption("Nobody wrote in this session.")
        else:
            st.dataframe(
                top,
                hide_index=True,
                width="stretch",
                column_config={
                    "sender_name": st.column_config.TextColumn("participant"),
                    "messages": st.column_config.ProgressColumn(
                        "messages", format="%d", min_value=0, max_value=int(top["messages"].max())
                    ),
                    "questions": st.column_config.NumberColumn("questions", format="%d"),
                },
            )


main()
