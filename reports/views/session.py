"""Session: one class after the lecture, for the teacher or TA.

Key figures from the `sessions` mart; messages per minute from
`session_minutes` (silent minutes included) with the peaks marked and, on each
peak, the questions asked in it and the two minutes before; the questions with
answered/unanswered, who answered and how fast (`messages`); the question
topics (`question_topics`); tech trouble; the participants (`user_sessions`);
and every message, searchable. The course and session chosen in the sidebar
are remembered for the other pages.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from classchat.reports import attendance_text, figures, rules, ui
from classchat.reports.fmt import OFFSET_NOTE, evidence_words, is_offset_session
from classchat.reports.sql import (
    PEAK_CONTEXT_MINUTES,
    SESSION_MINUTES_SQL,
    SESSION_PEAKS_SQL,
    SESSION_TOPICS_SQL,
)

SESSION_SQL = "select * from sessions where session_id = ?"

QUESTIONS_SQL = """
select q.seq,
       strftime(q.sent_at, '%H:%M:%S') as time,
       q.sender_name as asker,
       q.role,
       q.body as question,
       case when q.is_unanswered then 'unanswered' else 'answered' end as status,
       coalesce(q.is_repeated_question, false) as asked_again,
       a.sender_name as answerer,
       q.answer_source,
       q.response_seconds,
       q.answer_rule,
       q.answer_score,
       q.answer_evidence,
       a.body as answer
from messages q
left join messages a on a.message_id = q.answered_by_message_id
where q.session_id = ? and q.is_question
order by q.seq
"""

TECH_SQL = """
select seq, strftime(sent_at, '%H:%M:%S') as time, sender_name, role, body
from messages
where session_id = ? and intent = 'tech_issue'
order by seq
"""

PARTICIPANTS_SQL = """
select us.display_name, us.role, us.n_messages,
       us.n_messages / nullif(s.n_messages, 0) as message_share,
       us.n_questions, us.n_answers, us.n_tech_issues,
       strftime(us.first_message_at, '%H:%M') as first_message,
       strftime(us.last_message_at, '%H:%M') as last_message
from user_sessions us
join sessions s using (session_id)
where us.session_id = ? and us.role is distinct from 'system' and us.n_messages > 0  -- people who wrote
order by us.n_messages desc, us.display_name
"""

MESSAGES_SQL = """
select seq, strftime(sent_at, '%H:%M:%S') as time, sender_name, role,
       case when recipient != 'everyone' then recipient end as recipient,  -- a direct message's addressee, or a webinar's hosts and panelists
       message_kind, intent, body, source_line
from messages
where session_id = ?
order by seq
"""


def _header(s: pd.Series, session_id: str) -> None:
    st.title(ui.session_label(s["session_date"], s["title"], session_id, markdown=True), anchor=False)
    bits = []
    offset = is_offset_session(s)
    if pd.notna(s["started_at"]) and pd.notna(s["ended_at"]):
        if offset:
            bits.append(f"+{ui.fmt_time(s['started_at'], seconds=True)} – +{ui.fmt_time(s['ended_at'], seconds=True)}")
        else:
            bits.append(f"{ui.fmt_time(s['started_at'])} – {ui.fmt_time(s['ended_at'])}")
    if isinstance(s.get("instructor"), str) and s["instructor"]:
        bits.append(f"instructor {ui.plain(s['instructor'])}")
    bits.append(ui.code(session_id))
    bits.append(f"export format {ui.code(s['source_format'])}")
    st.caption(" · ".join(bits))
    if offset:
        st.info(
            f"{OFFSET_NOTE} Give the start as `start` in raw/sessions.csv and run `classchat run`."
        )


def _attendance(s: pd.Series, session_id: str) -> None:
    """The session's attendance figures (Zoom participants report), or what a report would add."""
    if not attendance_text.session_has_report(s):
        st.caption(attendance_text.would_add_session(session_id, ui.code))
        return
    ui.figure_metrics(attendance_text.session_figures(s), 5)
    st.caption(
        f"From the session's participants report: {attendance_text.silent_rule()}. "
        "The Attendance page shows who (docs/attendance.md)."
    )


def _offsets(frame: pd.DataFrame, offset: bool, column: str = "time") -> pd.DataFrame:
    """Show the times of an offset session as +HH:MM:SS (they are offsets, not times of day)."""
    if offset and column in frame and not frame.empty:
        frame = frame.assign(**{column: "+" + frame[column].astype(str)})
    return frame


def render() -> None:
    all_courses = ui.require_courses()
    if all_courses is None:
        st.title("Session")
        return
    course = ui.choose_course(all_courses)
    session_id, _ = ui.choose_session(course)
    if session_id is None:
        st.title("Session")
        st.info(f"Course {ui.code(course)} has no sessions.")
        return
    rows = ui.q(SESSION_SQL, session_id)
    if rows.empty:
        st.title("Session")
        st.info(f"Session {ui.code(session_id)} is no longer in the warehouse.")
        return
    s = rows.iloc[0]
    _header(s, session_id)

    cols = st.columns(5)
    cols[0].metric("Messages", ui.fmt_int(s["n_messages"]))
    cols[1].metric("Participants", ui.fmt_int(s["n_participants"]), help="People who posted at least once.")
    cols[2].metric("Questions", ui.fmt_int(s["n_questions"]))
    cols[3].metric(
        "Unanswered",
        ui.fmt_int(s["n_unanswered_questions"]),
        help="Questions nobody answered, including those the asker had to ask again.",
    )
    cols[4].metric(
        "Median response",
        ui.fmt_seconds(s["median_response_seconds"]),
        help="Median time from a question to its answer, over answered questions.",
    )
    cols = st.columns(5)
    cols[0].metric(
        "Duration",
        ui.fmt_minutes(s["duration_minutes"], compact=True),
        help=f"From the first to the last message: {ui.fmt_minutes(s['duration_minutes'])}.",
    )
    cols[1].metric(
        "Busiest minute",
        ui.fmt_time(s["peak_minute_at"]),
        help=f"{ui.fmt_int(s['peak_minute_messages'])} messages in that minute.",
    )
    cols[2].metric("Longest silence", ui.fmt_minutes(s["longest_silence_minutes"]))
    cols[3].metric(
        "Gini",
        ui.fmt_float(s["participation_gini"], 2),
        help="Inequality of messages per participant: 0 everyone equal, near 1 one voice.",
    )
    cols[4].metric("Tech issues", ui.fmt_int(s["n_tech_issues"]))
    _attendance(s, session_id)

    # --- activity and peaks --------------------------------------------------------------
    st.subheader("Messages per minute")
    minutes = ui.q(SESSION_MINUTES_SQL, session_id)
    peaks = ui.q(SESSION_PEAKS_SQL, session_id)
    if minutes.empty:
        st.caption("No messages in this session.")
    else:
        ui.show_chart(figures.minute_activity(minutes, peaks, offset=is_offset_session(s)))
        st.caption(
            f"Red bars are peaks: {rules.peak_rule()} (dbt vars `peak_min_messages`, `peak_sd`). "
            "Diamonds are questions. Where peaks crowd, the biggest is labelled; all are in the table."
        )
    if not peaks.empty:
        st.markdown(f"**Peaks ({len(peaks)}) and what was being asked**")
        ui.table(
            peaks.fillna({"question": "(no question)", "text": ""}),
            "peaks",
            column_config={
                "question": st.column_config.TextColumn(
                    f"being asked (that minute and the {PEAK_CONTEXT_MINUTES} before)", width="medium"
                ),
                "text": st.column_config.TextColumn("said in the minute", width="medium"),
            },
        )

    # --- questions -------------------------------------------------------------------------
    questions = _offsets(ui.q(QUESTIONS_SQL, session_id), is_offset_session(s))
    # the evidence behind each answer link in words (docs/answers.md), so staff can judge the link
    questions["answer_evidence"] = [evidence_words(e) or None for e in questions["answer_evidence"]]
    unanswered = questions[questions["status"] == "unanswered"]
    tabs = st.tabs(
        [
            f"Unanswered ({len(unanswered)})",
            f"All questions ({len(questions)})",
            "Topics",
            f"Tech issues ({ui.fmt_int(s['n_tech_issues'])})",
            f"Participants ({ui.fmt_int(s['n_participants'])})",
            "Messages",
        ]
    )
    with tabs[0]:
        ui.table(
            unanswered[["time", "asker", "role", "question", "asked_again"]],
            "unanswered_questions",
            column_config={
                "question": st.column_config.TextColumn("question", width="large"),
                "asked_again": st.column_config.CheckboxColumn(
                    "asked again", help="The asker asked it again later."
                ),
            },
            empty="Every question was answered.",
        )
    with tabs[1]:
        ui.table(
            questions,
            "questions",
            column_config={
                "seq": None,
                "question": st.column_config.TextColumn("question", width="large"),
                "asked_again": st.column_config.CheckboxColumn("asked again"),
                "answer_source": st.column_config.TextColumn("answered by (role)"),
                "response_seconds": st.column_config.NumberColumn("response (s)", format="%d"),
                "answer_rule": st.column_config.TextColumn(
                    "found by",
                    help="reply (a Zoom reply or quote of the question), mention (addresses the asker), "
                    "or evidence (other signals: shared words, an answer fitting the question, staff, "
                    "the asker's thanks, position)",
                ),
                "answer": st.column_config.TextColumn("answer", width="large"),
                "answer_score": st.column_config.NumberColumn(
                    "score",
                    format="%.1f",
                    help="The answer's evidence score; a link needs at least "
                    f"{rules.number(rules.var('answer_threshold'))} (dbt var `answer_threshold`, docs/answers.md).",
                ),
                "answer_evidence": st.column_config.TextColumn(
                    "evidence", width="large", help="The signals that made this message the answer."
                ),
            },
            empty="No questions were detected in this session.",
        )
        answered = questions.dropna(subset=["response_seconds"])
        if not answered.empty:
            by = answered.groupby("answer_source", dropna=True).size().to_dict()
            st.caption("Answered by " + ", ".join(f"{ui.plain(k)}: {v}" for k, v in sorted(by.items())) + ".")
    with tabs[2]:
        topics = ui.q(SESSION_TOPICS_SQL, session_id) if ui.has("question_topics") else pd.DataFrame()
        if topics.empty:
            st.caption("No recurring terms in this session's questions.")
        else:
            ui.show_chart(figures.question_topics(topics))
            ui.table(topics, "question_topics")
    with tabs[3]:
        tech = ui.q(TECH_SQL, session_id)
        ui.table(
            tech,
            "tech_issues",
            column_config={"seq": None, "body": st.column_config.TextColumn("message", width="large")},
            empty="Nobody reported technical trouble.",
        )
    with tabs[4]:
        people = ui.q(PARTICIPANTS_SQL, session_id)
        ui.table(
            people,
            "participants",
            column_config={
                "display_name": st.column_config.TextColumn("participant"),
                "n_messages": st.column_config.ProgressColumn(
                    "messages",
                    format="%d",
                    min_value=0,
                    max_value=int(people["n_messages"].max() or 1) if not people.empty else 1,
                ),
                "message_share": st.column_config.NumberColumn("share", format="percent"),
                "n_questions": st.column_config.NumberColumn("questions"),
                "n_answers": st.column_config.NumberColumn("answers given"),
                "n_tech_issues": st.column_config.NumberColumn("tech issues"),
            },
            empty="Nobody wrote in this session.",
        )
    with tabs[5]:
        messages = _offsets(ui.q(MESSAGES_SQL, session_id), is_offset_session(s))
        left, right = st.columns([3, 2])
        search = left.text_input("Search messages", key="session:search", placeholder="words or a name")
        intents = right.multiselect(
            "Kinds",
            sorted(messages["intent"].dropna().unique()),
            key="session:intents",
            placeholder="all kinds",
        )
        shown = messages
        if search.strip():
            needle = search.strip()
            hit = shown["body"].fillna("").str.contains(needle, case=False, regex=False) | shown[
                "sender_name"
            ].fillna("").str.contains(needle, case=False, regex=False)
            shown = shown[hit]
        if intents:
            shown = shown[shown["intent"].isin(intents)]
        st.caption(f"{len(shown):,} of {len(messages):,} messages")
        ui.table(
            shown,
            "messages",
            column_config={
                "body": st.column_config.TextColumn("message", width="large"),
                "source_line": st.column_config.NumberColumn("line", help="Line of the export file."),
            },
        )


render()
