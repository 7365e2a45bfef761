"""Attendance: who was there, and who never wrote (docs/attendance.md).

For one course, from its attendance reports (Zoom participants CSVs next to the chats): a term
grid of people × sessions (wrote / present, silent / absent), a "may need support" list with the
rule behind each flag written on the page, and the report names that matched nobody (to resolve
with `aliases` in raw/roster.csv). Without reports the page says what one would add. Names come
from the file the privacy setting allows (pseudonyms in pseudonymous mode) and are shown only as
table cells, never as markup.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from classchat.reports import attendance_text, ui

# The "may need support" rules (shown on the page; the silent-attendee rule itself is dbt's).
RECENT_SESSIONS = 3  # look at the course's last this many sessions that have an attendance report
MIN_SILENT = 2  # flag: present but silent in at least this many of them
MIN_ABSENT = 2  # flag: absent from at least this many of them, after attending an earlier session
MIN_UNANSWERED = 1  # flag: at least this many of their questions left unanswered in those sessions

SESSIONS_SQL = """
select a.session_id,
       coalesce(s.session_date, cast(min(a.first_join_at) as date)) as session_date,
       coalesce(s.title, a.session_id) as title
from attendance a
left join sessions s using (session_id)
where a.course_id = ?
group by a.session_id, s.session_date, s.title
order by session_date, a.session_id
"""

ATTENDANCE_SQL = """
select user_id, display_name, role, session_id, share_present, minutes_present, wrote_in_chat,
       is_silent_attendee, is_claimed
from attendance
where course_id = ?
"""

UNANSWERED_SQL = """
select user_id, session_id, count(*) as n_unanswered
from messages
where course_id = ? and is_question and is_unanswered
group by user_id, session_id
"""

UNCLAIMED_SQL = """
select participant, email, match_rule, match_score, matched_name, n_sessions
from name_matches
where course_id = ? and not is_claimed
order by n_sessions desc, participant
"""

WRITERS_NOT_IN_REPORT_SQL = """
select us.display_name, us.session_id, us.n_messages
from user_sessions us
where us.course_id = ? and us.minutes_present is null
  and us.session_id in (select session_id from attendance where course_id = ?)
order by us.session_id, us.display_name
"""

MATCHES_SQL = """
select participant, email, matched_name, match_source, match_rule, match_score, runner_up_score, is_claimed,
       n_sessions
from name_matches
where course_id = ?
order by is_claimed, match_score, participant
"""

WROTE, PRESENT, ABSENT = "wrote", "present, no message", "absent"


def term_grid(att: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """People × sessions: WROTE, PRESENT (silent) or ABSENT, staff last."""
    status = att.assign(
        status=[WROTE if w else PRESENT for w in att["wrote_in_chat"]],
        column=att["session_id"],
    )
    people = att.groupby("user_id", as_index=False).agg(name=("display_name", "min"), role=("role", "min"))
    people = people.assign(staff=people["role"].isin(["instructor", "ta"])).sort_values(["staff", "name", "user_id"])
    grid = status.pivot_table(index="user_id", columns="column", values="status", aggfunc="first")
    grid = grid.reindex(index=people["user_id"], columns=list(sessions["session_id"])).fillna(ABSENT)
    labels = [ui.session_label(d, t, s) for s, d, t in sessions[["session_id", "session_date", "title"]]
              .itertuples(index=False, name=None)]
    grid.columns = labels if len(set(labels)) == len(labels) else list(sessions["session_id"])
    grid.insert(0, "role", list(people["role"]))
    grid.insert(0, "person", list(people["name"]))
    return grid.reset_index(drop=True)


def support_list(att: pd.DataFrame, sessions: pd.DataFrame, unanswered: pd.DataFrame) -> pd.DataFrame:
    """Students to look at, by the rules above, with the reasons that fired."""
    recent = list(sessions["session_id"])[-RECENT_SESSIONS:]
    earlier = set(sessions["session_id"]) - set(recent)
    students = att[~att["role"].isin(["instructor", "ta"])]
    rows = []
    for user_id, mine in students.groupby("user_id"):
        seen = set(mine["session_id"])
        in_recent = mine[mine["session_id"].isin(recent)]
        reasons = []
        n_silent = int(in_recent["is_silent_attendee"].sum())
        if n_silent >= MIN_SILENT:
            reasons.append(f"silent in {n_silent} of the last {len(recent)} sessions")
        n_absent = sum(1 for s in recent if s not in seen)
        if n_absent >= MIN_ABSENT and seen & earlier:
            reasons.append(f"absent from {n_absent} of the last {len(recent)} sessions after attending earlier")
        mine_unanswered = unanswered[(unanswered["user_id"] == user_id) & unanswered["session_id"].isin(recent)]
        n_unanswered = int(mine_unanswered["n_unanswered"].sum())
        if n_unanswered >= MIN_UNANSWERED:
            reasons.append(f"{n_unanswered} question(s) left unanswered")
        if reasons:
            rows.append({
                "person": mine["display_name"].min(),
                "why": "; ".join(reasons),
                "sessions attended": len(seen),
                "mean present share": round(float(mine["share_present"].mean()), 3),
                "matched to a roster or chat person": bool(mine["is_claimed"].all()),
            })
    frame = pd.DataFrame(rows, columns=["person", "why", "sessions attended", "mean present share",
                                        "matched to a roster or chat person"])
    flags = frame["why"].str.count(";")
    return frame.assign(_n=flags).sort_values(["_n", "person"], ascending=[False, True]).drop(columns="_n")


def render() -> None:
    st.title("Attendance")
    if not ui.has("attendance"):
        st.info("This warehouse was built before attendance reports were read: run `classchat run` again.")
        return
    all_courses = ui.require_courses()
    if all_courses is None:
        return
    course = ui.choose_course(all_courses)
    if course is None:
        return
    sessions = ui.q(SESSIONS_SQL, course)
    if sessions.empty:
        st.info(
            attendance_text.would_add_course(course, ui.code)
            + " Zoom: Reports → Usage → Participants → Export (docs/attendance.md)."
        )
        return
    att = ui.q(ATTENDANCE_SQL, course)
    st.caption(
        f"{len(sessions)} session(s) with an attendance report · {att['user_id'].nunique()} people present. "
        "A silent attendee was present for at least half of the session and wrote nothing (staff excluded)."
    )

    st.subheader("Term grid")
    st.caption(f"Per person and session: **{WROTE}** (present and wrote in the chat), **{PRESENT}**, "
               f"**{ABSENT}** (not in that session's report).")
    ui.table(term_grid(att, sessions), "attendance_grid")

    st.subheader("May need support")
    st.markdown(
        f"Students (not instructors or TAs) flagged by any of these rules, over the course's last "
        f"{RECENT_SESSIONS} sessions with an attendance report:\n"
        f"- **silent**: present but silent in at least {MIN_SILENT} of them;\n"
        f"- **attendance falling**: absent from at least {MIN_ABSENT} of them after attending an earlier session;\n"
        f"- **unanswered**: at least {MIN_UNANSWERED} of their questions in them left unanswered."
    )
    ui.table(
        support_list(att, sessions, ui.q(UNANSWERED_SQL, course)),
        "attendance_support",
        empty="Nobody is flagged by these rules.",
    )

    st.subheader("Names that matched nobody")
    st.caption(
        "Report names below the match threshold (or too close to two people): counted as people of "
        "their own. Add a name to the right person's `aliases` in raw/roster.csv to merge it."
    )
    ui.table(ui.q(UNCLAIMED_SQL, course), "attendance_unclaimed", empty="Every name was matched.")
    st.caption(
        "People who wrote in a session's chat but are in none of its report's rows: a name only in the "
        "chat (someone who joined by phone, or under a name that matched nobody above)."
    )
    ui.table(ui.q(WRITERS_NOT_IN_REPORT_SQL, course, course), "attendance_chat_only",
             empty="Everyone who wrote is in the reports.")
    with st.expander("Every name of the reports and whom it was matched to"):
        st.caption(
            "Rule: email (the roster e-mail), exact or fuzzy (rapidfuzz token_sort_ratio of the names, "
            "0-100); matched when the score is at least 88 and no other person is within 5 "
            "(classchat/people.py; docs/attendance.md)."
        )
        ui.table(ui.q(MATCHES_SQL, course), "attendance_matches")


render()
