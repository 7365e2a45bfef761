"""The expectation suites of the smaller marts: users, session_minutes, courses, the
whole-warehouse `totals`, and attendance. Each is a query plus a function returning its
expectations; `suites.SUITES` registers them (building blocks in `suite_base.py`).
"""

from __future__ import annotations

from typing import Any

from classchat.expectations.suite_base import CRITICAL, WARNING, _counts, _shares, minutes_spanned  # noqa: F401

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

_TOTALS_TEMPLATE = """
SELECT
    (SELECT count(*) FROM messages) AS message_rows,
    (SELECT coalesce(sum(n_messages), 0) FROM sessions) AS session_messages,
    (SELECT count(*) FROM messages WHERE is_question) AS question_rows,
    (SELECT coalesce(sum(n_questions), 0) FROM sessions) AS session_questions,
    (SELECT coalesce(sum(n_messages), 0) FROM courses) AS course_messages,
    (SELECT count(*) FROM session_minutes) AS minute_rows,
    (SELECT coalesce(sum({minutes_between} + 1), 0) FROM sessions) AS minutes_spanned,
    (SELECT count(DISTINCT session_id) FROM messages) AS sessions_with_messages,
    (SELECT count(*) FROM sessions) AS session_rows
"""
TOTALS_QUERY = _TOTALS_TEMPLATE.format(minutes_between=minutes_spanned("started_at", "ended_at"))
TOTALS_SPARK_QUERY = _TOTALS_TEMPLATE.format(minutes_between=minutes_spanned("started_at", "ended_at", "spark"))


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


# ---------------------------------------------------------------------------
# name_matches, attendance_files, attendance_rejects (the attendance reports' bookkeeping;
# empty without any report)
# ---------------------------------------------------------------------------

CLAIMING_RULES = ("email", "exact", "fuzzy")  # a name matched to a person of the course
UNCLAIMED_RULES = ("below_threshold", "ambiguous", "no_candidates")

NAME_MATCHES_QUERY = f"""
SELECT
    *,
    -- a name is claimed exactly when its rule is one that matched a person
    coalesce(is_claimed = (match_rule IN {CLAIMING_RULES}), false) AS claim_agrees_with_rule
FROM name_matches
"""


def _name_matches(gxe: Any) -> list:
    keys = [
        gxe.ExpectColumnValuesToNotBeNull(
            column=col, description=f"Every name match has a {col}.", severity=CRITICAL
        )
        for col in ("course_id", "participant", "user_id", "match_rule", "is_claimed")
    ]
    scores = [
        gxe.ExpectColumnValuesToBeBetween(
            column=col,
            min_value=0,
            max_value=100,
            description=f"{col} is a rapidfuzz score: between 0 and 100.",
            severity=CRITICAL,
        )
        for col in ("match_score", "runner_up_score")
    ]
    return [
        *keys,
        *scores,
        gxe.ExpectColumnValuesToBeInSet(
            column="match_rule",
            value_set=[*CLAIMING_RULES, *UNCLAIMED_RULES],
            description="match_rule is one of the documented rules (docs/attendance.md).",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="claim_agrees_with_rule",
            value_set=[True],
            description="A name is claimed exactly when its rule is email, exact or fuzzy.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="n_sessions",
            min_value=1,
            description="Every name comes from at least one session's report.",
            severity=CRITICAL,
        ),
    ]


ATTENDANCE_FILES_QUERY = """
SELECT
    f.*,
    -- every record of a landed report is accounted for: meeting block, blank, header, participant row
    -- or reject
    f.n_meeting_records + f.n_blank_records + f.n_header_records + f.n_rows + f.n_rejected
        AS n_records_accounted,
    coalesce(r.n_reject_rows, 0) AS n_reject_rows,      -- its rows in attendance_rejects
    coalesce(a.n_participant_rows, 0) AS n_participant_rows  -- its rows in the lake's participant rows
FROM attendance_files AS f
LEFT JOIN (
    SELECT source_file, count(*) AS n_reject_rows FROM attendance_rejects GROUP BY source_file
) AS r ON r.source_file = f.source_file
LEFT JOIN (
    SELECT source_file, count(*) AS n_participant_rows FROM stg_lake__attendance GROUP BY source_file
) AS a ON a.source_file = f.source_file
"""


def _attendance_files(gxe: Any) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="source_file", description="Every attendance report row names its file.", severity=CRITICAL
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="source_file", description="One row per attendance report file.", severity=CRITICAL
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=["landed", "duplicate", "failed"],
            description="status is landed, duplicate or failed.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="n_records",
            column_B="n_records_accounted",
            description="Nothing lost: every record of a report is a meeting line, blank, header, "
            "participant row or reject.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="n_rejected",
            column_B="n_reject_rows",
            description="Every rejected record of a report is in attendance_rejects.",
            severity=CRITICAL,
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="n_rows",
            column_B="n_participant_rows",
            description="Every participant row a report landed is in the lake.",
            severity=CRITICAL,
        ),
    ]


ATTENDANCE_REJECTS_QUERY = """
SELECT
    r.*,
    f.source_file IS NOT NULL AS file_is_known  -- the report is listed in attendance_files
FROM attendance_rejects AS r
LEFT JOIN attendance_files AS f ON f.source_file = r.source_file
"""


def _attendance_rejects(gxe: Any) -> list:
    keys = [
        gxe.ExpectColumnValuesToNotBeNull(
            column=col, description=f"Every rejected record has its {col}.", severity=CRITICAL
        )
        for col in ("source_file", "line_no", "reason")
    ]
    return [
        *keys,
        gxe.ExpectColumnValuesToBeBetween(
            column="line_no", min_value=1, description="line_no is a 1-based line of the file.", severity=CRITICAL
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="file_is_known",
            value_set=[True],
            description="Every rejected record belongs to a report listed in attendance_files.",
            severity=CRITICAL,
        ),
    ]
