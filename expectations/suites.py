"""The Great Expectations suites of the warehouse marts, written as code.

This module owns *what* is checked: one `MartSuite` per public mart
(`messages`, `sessions`, `users`, `session_minutes`, `courses`, `attendance`) plus
`totals` (whole-warehouse sums that tie the marts together), each pairing a read-only DuckDB query with
the expectations run on the dataframe that query returns. A query yields the
mart itself plus check columns computed in SQL where a check needs another
table (a message's session bounds, a session's count of message rows), so GX
only ever compares columns of one frame. On an incremental run the
row-level suites marked `scoped` read only rows landed since the run's new
data, while `totals` still checks the whole warehouse in one row. Every expectation carries a
`description` and a `severity`: "critical" for data correctness (a failure
fails the check stage), "warning" for soft checks. To check a new mart, append
one `MartSuite` to `SUITES`. Great Expectations is imported lazily, inside
`MartSuite.build_suite()`, because its import costs seconds.
"""

from __future__ import annotations

from typing import Any

from classchat.expectations.mart_suites import (
    ATTENDANCE_FILES_QUERY,
    ATTENDANCE_QUERY,
    ATTENDANCE_REJECTS_QUERY,
    COURSES_QUERY,
    NAME_MATCHES_QUERY,
    SESSION_MINUTES_QUERY,
    TOTALS_QUERY,
    TOTALS_SPARK_QUERY,
    USERS_QUERY,
    _attendance,
    _attendance_files,
    _attendance_rejects,
    _courses,
    _name_matches,
    _session_minutes,
    _totals,
    _users,
)
from classchat.expectations.suite_base import (  # noqa: F401 - re-exported: runner, results, batches
    CRITICAL,
    GLUED_HEADER,
    HEX16,
    INTENTS,
    MESSAGE_KINDS,
    WARNING,
    MartSuite,
    _counts,
    _shares,
    minutes_spanned,
)


MESSAGES_QUERY = """
SELECT
    m.*,
    -- one definition of a question (docs/contract.md): intent question, or tech trouble asked as a question
    (m.intent = 'question' OR (m.intent = 'tech_issue' AND m.is_question)) AS intent_is_question,
    -- bodies of layouts whose continuation lines have no marker of their own; in a layout that indents
    -- them (zoom_2021, zoom_2025; ingested_files.continuation_marked) a body line may legitimately read like a header once its indent is gone
    CASE WHEN NOT coalesce(f.continuation_marked, false) THEN m.body END AS unmarked_body,
    s.session_id AS session_found,   -- NULL when the message's session is not in sessions
    s.started_at AS session_started_at,
    s.ended_at   AS session_ended_at
FROM messages AS m
LEFT JOIN sessions AS s ON s.session_id = m.session_id
LEFT JOIN ingested_files AS f ON f.source_file = m.source_file
"""


def _messages(gxe: Any) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            description="The messages mart is not empty.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="message_id",
            description="Every message has a message_id.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="message_id",
            description="message_id is unique: one row per chat message.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="message_id",
            regex=HEX16,
            description="message_id is the stable key: 16 lower-case hex digits (md5 of session_id and seq).",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="session_id",
            description="Every message belongs to a session.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="session_found",
            description="Every message's session_id is a row of the sessions mart (no orphan messages).",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="user_id",
            description="Every message has a sender (user_id).",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="sent_at",
            description="Every message has a timestamp (sent_at).",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="seq",
            description="Every message has its position in the session (seq).",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="seq",
            min_value=1,
            description="seq counts from 1 within the session.",
            severity=CRITICAL,
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["session_id", "seq"],
            description="(session_id, seq) is unique: one message per position in a session.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="message_kind",
            value_set=list(MESSAGE_KINDS),
            description="message_kind is one of text, reply, reaction, system.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="message_kind",
            description="Every message has a message_kind.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="sent_at",
            column_B="session_started_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="A message is sent at or after its session's started_at.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="session_ended_at",
            column_B="sent_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="A message is sent at or before its session's ended_at.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="body",
            description="Every message has a body (possibly empty text, never NULL).",
            severity=WARNING,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="intent",
            value_set=list(INTENTS),
            description="intent is one of " + ", ".join(INTENTS) + ".",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="intent",
            description="Every message has an intent.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="response_seconds",
            min_value=0,
            description="An answer never comes before its question (response_seconds >= 0).",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotMatchRegex(
            column="unmarked_body",
            regex=GLUED_HEADER,
            description="No message body holds a line that starts like a message header (a time, a name, "
            "a colon): such a line is a message of its own, never glued into another.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="is_question",
            column_B="intent_is_question",
            description="is_question holds exactly for messages whose intent is question, and for tech trouble "
            "asked as a question.",
            severity=CRITICAL,
        ),
    ]


# ---------------------------------------------------------------------------
# sessions
# ---------------------------------------------------------------------------

_SESSIONS_TEMPLATE = """
SELECT
    s.*,
    coalesce(c.n_message_rows, 0) AS n_message_rows,     -- rows of this session in messages
    coalesce(c.n_question_rows, 0) AS n_question_rows,   -- its questions in messages
    coalesce(mi.n_minute_rows, 0) AS n_minute_rows,      -- its rows in session_minutes
    {minutes_spanned} + 1 AS n_minutes_spanned
FROM sessions AS s
LEFT JOIN (
    SELECT session_id, count(*) AS n_message_rows, count(*) FILTER (WHERE is_question) AS n_question_rows
    FROM messages
    GROUP BY session_id
) AS c ON c.session_id = s.session_id
LEFT JOIN (
    SELECT session_id, count(*) AS n_minute_rows
    FROM session_minutes
    GROUP BY session_id
) AS mi ON mi.session_id = s.session_id
"""
SESSIONS_QUERY = _SESSIONS_TEMPLATE.format(minutes_spanned=minutes_spanned("s.started_at", "s.ended_at"))
SESSIONS_SPARK_QUERY = _SESSIONS_TEMPLATE.format(minutes_spanned=minutes_spanned("s.started_at", "s.ended_at", "spark"))


def _sessions(gxe: Any) -> list:
    counts = _counts(
        gxe, ("n_messages", "n_participants", "n_questions", "n_unanswered_questions", "n_tech_issues", "n_links")
    )
    return [
        *_shares(gxe, ("participation_gini", "top10_share")),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="n_questions",
            column_B="n_question_rows",
            description="A session's n_questions equals its questions in the messages mart.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="n_questions",
            column_B="n_unanswered_questions",
            or_equal=True,
            description="A session cannot have more unanswered questions than questions.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="n_minute_rows",
            column_B="n_minutes_spanned",
            description="session_minutes has one row per minute from the session's start to its end.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="median_response_seconds",
            min_value=0,
            description="median_response_seconds is never negative.",
            severity=CRITICAL,
        ),
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            description="The sessions mart is not empty.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="session_id",
            description="Every session has a session_id.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="session_id",
            description="session_id is unique: one row per class session.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="course_id",
            description="Every session belongs to a course.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="n_messages",
            column_B="n_message_rows",
            description="A session's n_messages equals the number of its rows in the messages mart.",
            severity=CRITICAL,
        ),
        *counts,
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="n_messages",
            column_B="n_questions",
            or_equal=True,
            description="A session cannot have more questions than messages.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="n_messages",
            column_B="n_participants",
            or_equal=True,
            description="A session cannot have more participants (distinct senders) than messages.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ended_at",
            column_B="started_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="A session ends at or after it starts.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="duration_minutes",
            min_value=0,
            description="duration_minutes is never negative.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="started_at",
            description="Every session has a start time (its first message).",
            severity=WARNING,
        ),
    ]


# ---------------------------------------------------------------------------
# users
# ---------------------------------------------------------------------------

SUITES: list[MartSuite] = [
    MartSuite(
        name="messages",
        query=MESSAGES_QUERY,
        expectations=_messages,
        doc="one row per chat message; joined to sessions for the time bounds",
        scoped=True,
        per_session=True,
    ),
    MartSuite(
        name="sessions",
        query=SESSIONS_QUERY,
        spark_query=SESSIONS_SPARK_QUERY,
        expectations=_sessions,
        doc="one row per class session; n_message_rows counted from messages",
        scoped=True,
        per_session=True,
    ),
    MartSuite(
        name="users",
        query=USERS_QUERY,
        expectations=_users,
        doc="one row per person; n_message_rows counted from messages",
    ),
    MartSuite(
        name="session_minutes",
        query=SESSION_MINUTES_QUERY,
        expectations=_session_minutes,
        doc="one row per session minute, silent minutes included",
        scoped=True,
        per_session=True,
    ),
    MartSuite(
        name="courses",
        query=COURSES_QUERY,
        expectations=_courses,
        doc="one row per course",
    ),
    MartSuite(
        name="attendance",
        query=ATTENDANCE_QUERY,
        expectations=_attendance,
        doc="one row per person and session of a Zoom participants report; empty without reports",
        scoped=True,
    ),
    MartSuite(
        name="name_matches",
        query=NAME_MATCHES_QUERY,
        expectations=_name_matches,
        doc="one row per name of the attendance reports per course, with the person it was matched to",
    ),
    MartSuite(
        name="attendance_files",
        query=ATTENDANCE_FILES_QUERY,
        expectations=_attendance_files,
        doc="one row per attendance report file; its records all accounted for",
    ),
    MartSuite(
        name="attendance_rejects",
        query=ATTENDANCE_REJECTS_QUERY,
        expectations=_attendance_rejects,
        doc="one row per record of an attendance report in no participant row",
    ),
    MartSuite(
        name="totals",
        query=TOTALS_QUERY,
        spark_query=TOTALS_SPARK_QUERY,
        expectations=_totals,
        doc="whole-warehouse sums in one row; checked in full on every run",
    ),
]


def suite_names() -> list[str]:
    """The names of all suites, in run order."""
    return [s.name for s in SUITES]
