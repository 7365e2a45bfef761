"""The expectation suites of the smaller marts: users, session_minutes, courses, the
whole-warehouse `totals`, and attendance. Each is a query plus a function returning its
expectations; `suites.SUITES` registers them (building blocks in `suite_base.py`).
"""

from __future__ import annotations

from typing import Any

from classchat.expectations.suite_base import CRITICAL, WARNING, _counts, _shares  # noqa: F401

USERS_QUERY = """
SELECT
    u.*,
    coalesce(c.n_message_rows, 0) AS n_message_rows   -- rows of this user in messages
FROM users AS u
LEFT JOIN (
    SELECT user_id, count(*) AS n_message_rows
    FROM messages
    GROUP BY user_id
) AS c ON c.user_id = u.user_id
"""


def _users(gxe: Any) -> list:
    counts = _counts(gxe, ("n_courses", "n_sessions", "n_messages", "n_questions", "n_answers"))
    return [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            description="The users mart is not empty.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="user_id",
            description="Every user has a user_id.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="user_id",
            description="user_id is unique: one row per person.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="display_name",
            description="Every user has a display_name.",
            severity=CRITICAL,
        ),
        *counts,
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="n_messages",
            column_B="n_questions",
            or_equal=True,
            description="A user cannot have asked more questions than they sent messages.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="last_seen_at",
            column_B="first_seen_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="A user's last_seen_at is not before their first_seen_at.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="n_messages",
            column_B="n_message_rows",
            description=(
                "A user's n_messages equals their rows in the messages mart "
                "(soft: a roster may merge identities differently)."
            ),
            severity=WARNING,
        ),
    ]


# ---------------------------------------------------------------------------
# session_minutes and courses
# ---------------------------------------------------------------------------

SESSION_MINUTES_QUERY = "SELECT * FROM session_minutes"


def _session_minutes(gxe: Any) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            description="The session_minutes mart is not empty.",
            severity=CRITICAL,
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["session_id", "minute_at"],
            description="One row per session and minute.",
            severity=CRITICAL,
        ),
        *_counts(gxe, ("n_messages", "n_questions", "n_tech_issues", "n_senders")),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="n_messages",
            column_B="n_senders",
            or_equal=True,
            description="A minute cannot have more senders than messages.",
            severity=CRITICAL,
        ),
    ]


COURSES_QUERY = "SELECT * FROM courses"


def _courses(gxe: Any) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            description="The courses mart is not empty.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="course_id",
            description="course_id is unique: one row per course.",
            severity=CRITICAL,
        ),
        *_counts(gxe, ("n_sessions", "n_participants", "n_messages", "n_questions", "n_unanswered_questions")),
        *_shares(gxe, ("answered_share", "participation_gini", "mean_session_gini")),
        gxe.ExpectColumnValuesToBeBetween(
            column="median_response_seconds",
            min_value=0,
            description="median_response_seconds is never negative.",
            severity=CRITICAL,
        ),
    ]


# ---------------------------------------------------------------------------
# totals: whole-warehouse sums in one row, so a scoped run still checks across tables
# ---------------------------------------------------------------------------

TOTALS_QUERY = """
SELECT
    (SELECT count(*) FROM messages) AS message_rows,
    (SELECT coalesce(sum(n_messages), 0) FROM sessions) AS session_messages,
    (SELECT count(*) FROM messages WHERE is_question) AS question_rows,
    (SELECT coalesce(sum(n_questions), 0) FROM sessions) AS session_questions,
    (SELECT coalesce(sum(n_messages), 0) FROM courses) AS course_messages,
    (SELECT count(*) FROM session_minutes) AS minute_rows,
    (SELECT coalesce(sum(date_diff('minute', date_trunc('minute', started_at), date_trunc('minute', ended_at)) + 1), 0)
       FROM sessions) AS minutes_spanned,
    (SELECT count(DISTINCT session_id) FROM messages) AS sessions_with_messages,
    (SELECT count(*) FROM sessions) AS session_rows
"""


def _totals(gxe: Any) -> list:
    pairs = [
        ("message_rows", "session_messages", "Every message row is counted in exactly one session's n_messages."),
        ("question_rows", "session_questions", "Every question row is counted in its session's n_questions."),
        ("session_messages", "course_messages", "The courses' n_messages add up to the sessions' n_messages."),
        ("minute_rows", "minutes_spanned", "session_minutes has one row per minute of every session."),
        ("sessions_with_messages", "session_rows", "Every session has messages and every message's session is a row."),
    ]
    return [
        gxe.ExpectColumnPairValuesToBeEqual(column_A=a, column_B=b, description=d, severity=CRITICAL)
        for a, b, d in pairs
    ]


# ---------------------------------------------------------------------------
# attendance (Zoom participants reports; empty without any report)
# ---------------------------------------------------------------------------

ATTENDANCE_QUERY = "SELECT * FROM attendance"


def _attendance(gxe: Any) -> list:
    keys = [
        gxe.ExpectColumnValuesToNotBeNull(
            column=col,
            description=f"Every attendance row has a {col}.",
            severity=CRITICAL,
        )
        for col in ("session_id", "course_id", "user_id", "display_name", "minutes_present", "is_silent_attendee")
    ]
    return [
        *keys,
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["session_id", "user_id"],
            description="One attendance row per person and session.",
            severity=CRITICAL,
        ),
        *_counts(gxe, ("n_joins", "n_rejoins", "n_waiting_room_rows", "n_messages")),
        gxe.ExpectColumnValuesToBeBetween(
            column="minutes_present",
            min_value=0,
            description="minutes_present (the union of a person's join-leave intervals) is never negative.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="session_minutes",
            min_value=0,
            description="session_minutes is never negative.",
            severity=CRITICAL,
        ),
        *_shares(gxe, ("share_present",)),
        gxe.ExpectColumnValuesToBeBetween(
            column="match_score",
            min_value=0,
            max_value=100,
            description="match_score is a rapidfuzz score: between 0 and 100.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="last_leave_at",
            column_B="first_join_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="A person's last leave is not before their first join.",
            severity=CRITICAL,
        ),
    ]
