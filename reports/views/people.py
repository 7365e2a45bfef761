"""People: one person across sessions and courses.

Pick a person (optionally among one course's people): their figures from the
`users` mart, every session they posted in with their share of it
(`user_sessions`), their activity over time and the questions they asked with
what became of them. With a roster a person is one `user_key` across courses;
without one, a display name within one course (docs/contract.md). In
pseudonymous mode names show as pseudonyms and the roster key is not shown.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from classchat.reports import attendance_text, ui

ALL = "*"

# Keys and names only: the names are shown through ui.name() (privacy), never as they come.
PEOPLE_SQL = """
select u.user_id, u.display_name, u.role, u.n_messages,
       (select string_agg(distinct us.course_id, ', ' order by us.course_id)
          from user_sessions us where us.user_id = u.user_id) as courses
from users u
where u.role is distinct from 'system'
  and (?::varchar = '*' or exists (
        select 1 from user_sessions us where us.user_id = u.user_id and us.course_id = ?::varchar))
order by u.n_messages desc, u.display_name, u.user_id
"""

PERSON_SQL = """
select display_name, role, user_key, n_courses, n_sessions, n_messages, n_questions, n_answers,
       first_seen_at, last_seen_at
from users
where user_id = ?
"""

# Attendance over the person's sessions (Zoom participants reports): how many of them have a report,
# in how many of those the person was present, for how long, and silent.
ATTENDED_SQL = """
select count(*) filter (where s.n_attendees is not null) as sessions_with_report,
       count(us.minutes_present) as sessions_attended,
       sum(us.minutes_present) as minutes_present,
       count(*) filter (where us.is_silent_attendee) as sessions_silent
from user_sessions us
join sessions s using (session_id)
where us.user_id = ?
"""

PER_SESSION_SQL = """
select s.session_date, s.course_id, s.title, us.display_name, us.role,
       us.n_messages, us.n_messages / nullif(s.n_messages, 0) as message_share,
       us.n_questions, us.n_answers, us.n_tech_issues,
       strftime(us.first_message_at, '%H:%M') as first_message,
       strftime(us.last_message_at, '%H:%M') as last_message,
       s.session_id
from user_sessions us
join sessions s using (session_id)
where us.user_id = ?
order by s.session_date, s.started_at, s.session_id
"""

QUESTIONS_SQL = """
select s.session_date, q.course_id, strftime(q.sent_at, '%H:%M:%S') as time, q.body as question,
       case when q.is_unanswered then 'unanswered' else 'answered' end as status,
       a.sender_name as answerer, q.answer_source, q.response_seconds, q.session_id
from messages q
join sessions s using (session_id)
left join messages a on a.message_id = q.answered_by_message_id
where q.user_id = ? and q.is_question
order by s.session_date, q.session_id, q.seq
"""


def render() -> None:
    st.title("People")
    all_courses = ui.require_courses()
    if all_courses is None:
        return
    scope_options = [ALL, *all_courses["course_id"]]
    scope = ui.choose(
        "people_course",
        "Course",
        scope_options,
        format_func=lambda c: "All courses" if c == ALL else c,
        default=ui.chosen("course", ALL),
        help="Narrow the list of people to one course's.",
    )
    people = ui.q_raw(PEOPLE_SQL, scope, scope)  # ids for the choice; names shown through ui.name()
    if people.empty:
        st.info("Nobody has posted in this course.")
        return
    labels = {
        r.user_id: f"{ui.name(r.display_name)} · {r.role} · {r.courses or ui.MISSING} ({r.n_messages:,} messages)"
        for r in people.itertuples()
    }
    user_id = ui.choose(
        "person",
        "Person",
        list(people["user_id"]),
        format_func=lambda u: labels.get(u, u),
        help="Most active first. Type to search.",
    )

    person = ui.q(PERSON_SQL, user_id).iloc[0]
    st.header(ui.plain(person["display_name"]), anchor=False)
    bits = [ui.plain(person["role"])]
    if ui.named() and isinstance(person.get("user_key"), str):
        bits.append(f"roster key {ui.code(person['user_key'])}")
    else:
        bits.append("no roster entry: a person within one course" if ui.named() else "")
    bits.append(f"seen {ui.fmt_date(person['first_seen_at'])} to {ui.fmt_date(person['last_seen_at'])}")
    st.caption(" · ".join(b for b in bits if b))

    cols = st.columns(5)
    cols[0].metric("Courses", ui.fmt_int(person["n_courses"]))
    cols[1].metric("Sessions", ui.fmt_int(person["n_sessions"]), help="Sessions they posted in.")
    cols[2].metric("Messages", ui.fmt_int(person["n_messages"]))
    cols[3].metric("Questions", ui.fmt_int(person["n_questions"]))
    cols[4].metric(
        "Answers given", ui.fmt_int(person["n_answers"]), help="Messages that answered someone's question."
    )

    attended = ui.q(ATTENDED_SQL, user_id).iloc[0]
    if int(attended["sessions_with_report"] or 0) == 0:
        st.caption(attendance_text.would_add_person(ui.code))
    else:
        cols = st.columns(5)
        cols[0].metric(
            "Sessions attended",
            ui.fmt_int(attended["sessions_attended"]),
            help=f"Of their {ui.plural(attended['sessions_with_report'], 'session')} with a participants report.",
        )
        cols[1].metric("Time present", ui.fmt_minutes(attended["minutes_present"], compact=True))
        cols[2].metric(
            "Silent attendee in",
            ui.plural(attended["sessions_silent"], "session"),
            help=f"Sessions where {attendance_text.silent_rule()}.",
        )

    per = ui.q(PER_SESSION_SQL, user_id)
    st.subheader("Sessions")
    if len(per) > 1:
        data = per.assign(
            session=[
                ui.session_label(d, t, s)
                for d, t, s in zip(per["session_date"], per["title"], per["session_id"])
            ]
        )
        chart = (
            alt.Chart(data)
            .mark_line(point=True)
            .encode(
                x=ui.date_axis(per["session_date"]),
                y=alt.Y("n_messages:Q", title="messages", axis=ui.count_axis()),
                color=alt.Color("course_id:N", title="course", legend=alt.Legend(orient="top")),
                tooltip=[
                    alt.Tooltip("session:N"),
                    alt.Tooltip("n_messages:Q", title="messages"),
                    alt.Tooltip("message_share:Q", title="share of the session", format=".0%"),
                    alt.Tooltip("n_questions:Q", title="questions"),
                ],
            )
            .properties(height=240)
        )
        ui.show_chart(chart)
    ui.table(
        per,
        "person_sessions",
        column_config={
            "session_id": None,
            "session_date": st.column_config.DateColumn("date", format="YYYY-MM-DD"),
            "display_name": st.column_config.TextColumn("name shown"),
            "n_messages": st.column_config.NumberColumn("messages"),
            "message_share": st.column_config.NumberColumn("share of the session", format="percent"),
            "n_questions": st.column_config.NumberColumn("questions"),
            "n_answers": st.column_config.NumberColumn("answers given"),
            "n_tech_issues": st.column_config.NumberColumn("tech issues"),
        },
    )

    st.subheader("Questions asked")
    ui.table(
        ui.q(QUESTIONS_SQL, user_id),
        "person_questions",
        column_config={
            "session_id": None,
            "session_date": st.column_config.DateColumn("date", format="YYYY-MM-DD"),
            "question": st.column_config.TextColumn("question", width="large"),
            "answer_source": st.column_config.TextColumn("answered by (role)"),
            "response_seconds": st.column_config.NumberColumn("response (s)", format="%d"),
        },
        empty="No questions.",
    )


render()
