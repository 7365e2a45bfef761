"""What the HTML export reads: its SQL and the one read-only file it reads it from.

Owns the export's queries (every user value a bound `?` parameter), reading
them through `reports.db.query` (read-only, locked down) from the one file
the privacy setting allows, finding the course and session asked for (an
unknown one is a ValueError naming the known ones), and the summary of the
latest checks for the footer. `reports.export` chooses the file;
`reports.export_course` and `reports.export_session` lay the data out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from classchat.reports import db
from classchat.reports.fmt import fmt_date
from classchat.reports.sql import COURSE_PEOPLE_SQL  # noqa: F401 - the course page's people

# --- SQL (every user value is a bound `?` parameter) ---------------------------

COURSE_IDS_SQL = "select course_id from courses order by course_id"
COURSE_SQL = "select * from courses where course_id = ?"
SESSIONS_SQL = """
select * from sessions where course_id = ?
order by session_date, started_at nulls last, session_id
"""
SESSION_SQL = "select * from sessions where session_id = ?"


COURSE_UNANSWERED_SQL = """
select m.session_id, s.session_date, s.title, s.time_basis, m.sent_at, m.sender_name as asker, m.role, m.body as question,
       m.language, m.is_private, m.is_repeated_question
from messages as m join sessions as s on s.session_id = m.session_id
where m.course_id = ? and m.is_question and m.is_unanswered
order by s.session_date, m.session_id, m.seq
"""

QUESTIONS_SQL = """
select q.seq, q.sent_at, q.sender_name as asker, q.role, q.body as question, q.language, q.is_private,
       q.is_unanswered, q.is_repeated_question, q.answered_by_message_id as answered_by, q.answer_rule,
       q.answer_source, q.response_seconds, q.answer_score, q.answer_evidence,
       a.sender_name as answerer, a.body as answer, a.language as answer_language,
       a.is_private as answer_is_private
from messages as q left join messages as a on a.message_id = q.answered_by_message_id
where q.session_id = ? and q.is_question
order by q.seq
"""

SESSION_MESSAGES_SQL = """
select sent_at, sender_name, body, language, is_private from messages
where session_id = ? and {where} order by seq
"""
TECH_SQL = SESSION_MESSAGES_SQL.format(where="intent = 'tech_issue'")
LINKS_SQL = SESSION_MESSAGES_SQL.format(where="has_link")

TOP_PARTICIPANTS_SQL = """
select display_name, role, n_messages, n_questions, n_answers, n_tech_issues
from user_sessions
where session_id = ? and role is distinct from 'system' and n_messages > 0  -- writers (user_sessions also holds attendees)
order by n_messages desc, n_questions desc, display_name
"""

SILENT_ATTENDEES_SQL = """
select display_name, role, minutes_present, share_present
from attendance
where session_id = ? and is_silent_attendee
order by share_present desc, display_name
"""

TABLE_EXISTS_SQL = """
select count(*) from information_schema.tables
where table_schema = 'main' and table_name = ?
"""
QUALITY_SQL = """
select max(checked_at) as checked_at, count(*) as n, count(*) filter (where success) as n_passed
from quality_results
"""

# --- data access ------------------------------------------------------------------


class Data:
    """Queries for one export, read-only, on the one file the privacy setting allows."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse

    def frame(self, sql: str, *params: object) -> pd.DataFrame:
        return db.query(self.warehouse, sql, list(params))

    def optional(self, table: str, sql: str, *params: object) -> pd.DataFrame | None:
        """A query on a table the warehouse may lack (None then)."""
        if not has_table(self.warehouse, table):
            return None
        return self.frame(sql, *params)


def has_table(warehouse: Path, table: str) -> bool:
    return int(db.query(warehouse, TABLE_EXISTS_SQL, [table]).iloc[0, 0]) > 0


def find_course(data: Data, course: str) -> pd.Series:
    row = data.frame(COURSE_SQL, course)
    if row.empty:
        known = list(data.frame(COURSE_IDS_SQL)["course_id"])
        listing = ", ".join(known) if known else "none (the warehouse holds no sessions yet)"
        raise ValueError(f"no course {course!r}; courses: {listing}")
    return row.iloc[0]


def find_session(data: Data, course: str, session: str) -> pd.Series:
    sessions = data.frame(SESSIONS_SQL, course)
    ids = list(sessions["session_id"])
    wanted = session.strip()
    match = [s for s in ids if s in (wanted, f"{course}/{wanted}")]
    if not match:  # a date names the session if it is the only one that day
        dates = sessions["session_date"].map(fmt_date)
        match = list(sessions.loc[dates == wanted, "session_id"])
        if len(match) > 1:
            raise ValueError(
                f"{len(match)} sessions of course {course!r} on {wanted}; pick one: {', '.join(match)}"
            )
    if not match:
        raise ValueError(f"no session {session!r} in course {course!r}; sessions: {', '.join(ids) or 'none'}")
    return sessions.loc[sessions["session_id"] == match[0]].iloc[0]


def quality_summary(data: Data) -> pd.Series | None:
    frame = data.optional("quality_results", QUALITY_SQL)
    if frame is None or frame.empty or not int(frame.iloc[0]["n"]):
        return None
    return frame.iloc[0]
