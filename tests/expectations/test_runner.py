"""Tests of the expectations runner on small hand-built DuckDB warehouses.

Each test builds a warehouse file in tmp_path with the marts of
docs/contract.md (messages, sessions, users: a handful of consistent rows),
optionally breaks one fact with SQL, runs `run_checks`, and asserts on the
report, the result JSON files and the Data Docs it writes.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import duckdb
import pytest

from expectations import SUITES, CheckError, MartSuite, run_checks

SCHEMA_AND_DATA = """
CREATE TABLE sessions (
    session_id VARCHAR, course_id VARCHAR, session_date DATE, title VARCHAR,
    source_format VARCHAR, started_at TIMESTAMP, ended_at TIMESTAMP,
    duration_minutes DOUBLE, n_messages INTEGER, n_participants INTEGER, n_questions INTEGER
);
INSERT INTO sessions VALUES
    ('dl101/2020-03-14_lecture', 'dl101', DATE '2020-03-14', 'Lecture 1', 'plain',
     TIMESTAMP '2020-03-14 10:00:00', TIMESTAMP '2020-03-14 10:05:00', 5.0, 3, 2, 1),
    ('dl101/2020-03-21_lecture', 'dl101', DATE '2020-03-21', 'Lecture 2', 'plain',
     TIMESTAMP '2020-03-21 10:00:00', TIMESTAMP '2020-03-21 10:01:00', 1.0, 2, 2, 0);

CREATE TABLE messages (
    message_id VARCHAR, session_id VARCHAR, course_id VARCHAR, user_id VARCHAR,
    sender_name VARCHAR, recipient VARCHAR, is_private BOOLEAN, message_kind VARCHAR,
    seq INTEGER, sent_at TIMESTAMP, minute_at TIMESTAMP, body VARCHAR, is_question BOOLEAN,
    source_file VARCHAR, source_line INTEGER
);
INSERT INTO messages
SELECT
    substr(md5(session_id || '#' || seq), 1, 16) AS message_id,
    session_id, 'dl101', substr(md5('dl101#' || lower(sender_name)), 1, 16),
    sender_name, 'everyone', false, message_kind, seq, sent_at,
    date_trunc('minute', sent_at), body, is_question,
    session_id || '.txt', seq * 2
FROM (VALUES
    ('dl101/2020-03-14_lecture', 1, TIMESTAMP '2020-03-14 10:00:00', 'Ann', 'text', 'hello all', false),
    ('dl101/2020-03-14_lecture', 2, TIMESTAMP '2020-03-14 10:02:30', 'Bob', 'text', 'what is x?', true),
    ('dl101/2020-03-14_lecture', 3, TIMESTAMP '2020-03-14 10:05:00', 'Ann', 'reply', 'an array', false),
    ('dl101/2020-03-21_lecture', 1, TIMESTAMP '2020-03-21 10:00:00', 'Cy', 'text', 'hi', false),
    ('dl101/2020-03-21_lecture', 2, TIMESTAMP '2020-03-21 10:01:00', 'Ann', 'reaction', '+1', false)
) AS v(session_id, seq, sent_at, sender_name, message_kind, body, is_question);

CREATE TABLE users AS
SELECT
    user_id, 'dl101' AS course_id, any_value(sender_name) AS display_name, 'unknown' AS role,
    1 AS n_courses, count(DISTINCT session_id)::INTEGER AS n_sessions,
    count(*)::INTEGER AS n_messages, count(*) FILTER (WHERE is_question)::INTEGER AS n_questions,
    min(sent_at) AS first_seen_at, max(sent_at) AS last_seen_at
FROM messages
GROUP BY user_id;
"""


def make_warehouse(path: Path, *breakage: str) -> Path:
    """A consistent warehouse at `path`, then each SQL statement of `breakage` applied."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA_AND_DATA)
        for statement in breakage:
            con.execute(statement)
    finally:
        con.close()
    return path


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "warehouse.duckdb", tmp_path / "quality"


def failed_labels(report, suite: str) -> set[tuple[str, str | None]]:
    return {(o.expectation, o.column) for o in report.suite(suite).failed}


def test_consistent_warehouse_passes_and_writes_results(dirs):
    warehouse, quality = dirs
    make_warehouse(warehouse)

    t0 = time.perf_counter()
    report = run_checks(warehouse, quality)
    elapsed = time.perf_counter() - t0
    print(f"run_checks on the small warehouse: {elapsed:.2f} s")

    assert report.success is True
    assert report.failure_message() is None
    assert [s.name for s in report.suites] == ["messages", "sessions", "users"]
    for s in report.suites:
        assert s.success, s.failed
        assert s.n_failed == 0
        assert s.n_expectations == len(next(x for x in SUITES if x.name == s.name).build_suite().expectations)
    assert report.suite("messages").n_rows == 5
    assert report.suite("sessions").n_rows == 2
    assert report.suite("users").n_rows == 3

    # result JSON per suite, written by GX's to_json_dict
    for name in ("messages", "sessions", "users"):
        data = json.loads((quality / "results" / f"{name}.json").read_text())
        assert data["success"] is True
        assert data["suite_name"] == name
        assert data["statistics"]["unsuccessful_expectations"] == 0
        assert data["statistics"]["evaluated_expectations"] == report.suite(name).n_expectations
    latest = json.loads((quality / "latest.json").read_text())
    assert latest["success"] is True
    assert set(latest["suites"]) == {"messages", "sessions", "users"}
    assert latest["suites"]["messages"]["n_rows"] == 5
    assert latest["suites"]["sessions"]["n_failed"] == 0
    assert not list((quality / "results").glob("*.tmp"))

    # Data Docs
    assert report.data_docs == quality / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert report.data_docs.is_file()
    assert "messages" in report.data_docs.read_text()

    # rows for the warehouse table
    rows = report.rows()
    assert len(rows) == sum(s.n_expectations for s in report.suites)
    assert {r["suite"] for r in rows} == {"messages", "sessions", "users"}
    assert all(r["success"] for r in rows)
    assert {"checked_at", "suite", "expectation", "column", "success", "severity", "observed"} <= set(rows[0])
    row_count = next(
        r
        for r in rows
        if r["suite"] == "messages" and r["expectation"] == "expect_table_row_count_to_be_between"
    )
    assert row_count["observed"] == "5"
    assert row_count["column"] is None
    assert report.summary_lines()[0].startswith("messages")
    assert "checks passed" in report.summary_lines()[-2]

    # re-running on the same context is idempotent (data source, suites, definitions updated)
    again = run_checks(warehouse, quality, build_docs=False)
    assert again.success is True
    assert [s.n_expectations for s in again.suites] == [s.n_expectations for s in report.suites]
    assert again.data_docs is None
    suite_files = sorted(p.name for p in (quality / "gx" / "expectations").glob("*.json"))
    assert suite_files == ["messages.json", "sessions.json", "users.json"]


def test_session_count_disagreeing_with_messages_fails_sessions(dirs):
    warehouse, quality = dirs
    make_warehouse(
        warehouse, "UPDATE sessions SET n_messages = 4 WHERE session_id = 'dl101/2020-03-14_lecture'"
    )

    report = run_checks(warehouse, quality, build_docs=False)

    assert report.success is False
    assert report.suite("messages").success
    assert report.suite("users").success
    sessions = report.suite("sessions")
    assert sessions.n_failed == 1
    (failure,) = sessions.failed
    assert failure.expectation == "expect_column_pair_values_to_be_equal"
    assert failure.columns == ("n_messages", "n_message_rows")
    assert failure.severity == "critical"
    assert failure.observed == "1 of 2 rows unexpected, e.g. (4, 3)"
    message = report.failure_message()
    assert "'sessions'" in message
    assert "expect_column_pair_values_to_be_equal(n_messages, n_message_rows)" in message
    assert "\n" not in message
    latest = json.loads((quality / "latest.json").read_text())
    assert latest["success"] is False
    assert latest["suites"]["sessions"]["failed"][0]["expectation"] == "expect_column_pair_values_to_be_equal"
    stored = json.loads((quality / "results" / "sessions.json").read_text())
    assert stored["success"] is False
    assert stored["statistics"]["unsuccessful_expectations"] == 1
    failed_rows = [r for r in report.rows() if not r["success"]]
    assert [(r["suite"], r["column"]) for r in failed_rows] == [("sessions", "n_messages, n_message_rows")]


def test_message_after_session_end_fails_messages(dirs):
    warehouse, quality = dirs
    make_warehouse(
        warehouse,
        "UPDATE messages SET sent_at = TIMESTAMP '2020-03-14 10:07:00' "
        "WHERE session_id = 'dl101/2020-03-14_lecture' AND seq = 3",
    )

    report = run_checks(warehouse, quality, build_docs=False)

    assert report.success is False
    assert failed_labels(report, "messages") == {
        ("expect_column_pair_values_a_to_be_greater_than_b", "session_ended_at, sent_at")
    }
    (failure,) = report.suite("messages").failed
    assert failure.observed == "1 of 5 rows unexpected, e.g. (2020-03-14 10:05:00, 2020-03-14 10:07:00)"
    assert "ended_at" in failure.description
    assert report.suite("sessions").success
    # users' last_seen_at moved too, but users were built before the change: its soft check stays quiet
    assert "'messages'" in report.failure_message()


def test_duplicated_message_id_fails_messages(dirs):
    warehouse, quality = dirs
    make_warehouse(
        warehouse,
        "UPDATE messages SET message_id = (SELECT message_id FROM messages "
        "WHERE session_id = 'dl101/2020-03-14_lecture' AND seq = 1) "
        "WHERE session_id = 'dl101/2020-03-14_lecture' AND seq = 2",
    )

    report = run_checks(warehouse, quality, build_docs=False)

    assert report.success is False
    labels = failed_labels(report, "messages")
    assert labels == {("expect_column_values_to_be_unique", "message_id")}
    (failure,) = report.suite("messages").failed
    duplicated = duckdb.connect(str(warehouse), read_only=True)
    try:
        (dup_id,) = duplicated.sql(
            "SELECT message_id FROM messages GROUP BY message_id HAVING count(*) > 1"
        ).fetchall()[0]
    finally:
        duplicated.close()
    assert failure.observed == f"2 of 5 rows unexpected, e.g. '{dup_id}'; '{dup_id}'"
    assert report.failure_message().startswith(
        "expectation failed in suite 'messages': expect_column_values_to_be_unique(message_id)"
    )


def test_orphan_message_and_bad_kind_fail_messages(dirs):
    warehouse, quality = dirs
    make_warehouse(
        warehouse,
        "UPDATE messages SET message_kind = 'emoji' WHERE seq = 1 AND session_id LIKE '%03-21%'",
        "UPDATE messages SET session_id = 'dl101/gone' WHERE seq = 2 AND session_id LIKE '%03-21%'",
    )

    report = run_checks(warehouse, quality, build_docs=False)

    assert failed_labels(report, "messages") == {
        ("expect_column_values_to_be_in_set", "message_kind"),
        ("expect_column_values_to_not_be_null", "session_found"),
    }
    # the session lost a message row, so its n_messages no longer matches
    assert ("expect_column_pair_values_to_be_equal", "n_messages, n_message_rows") in failed_labels(
        report, "sessions"
    )


def test_soft_check_failure_keeps_overall_success(dirs):
    warehouse, quality = dirs
    make_warehouse(warehouse, "UPDATE users SET n_messages = n_messages + 1 WHERE display_name = 'Cy'")

    report = run_checks(warehouse, quality, build_docs=False)

    users = report.suite("users")
    assert users.success is False
    assert [(o.expectation, o.severity) for o in users.failed] == [
        ("expect_column_pair_values_to_be_equal", "warning")
    ]
    assert report.success is True
    assert report.failure_message() is None
    assert any(line.startswith("users") and "warn" in line for line in report.summary_lines())


def test_missing_column_is_a_failure_not_a_crash(dirs):
    warehouse, quality = dirs
    make_warehouse(warehouse, "ALTER TABLE sessions DROP COLUMN n_questions")

    report = run_checks(warehouse, quality, build_docs=False)

    failed = report.suite("sessions").failed
    assert {o.label() for o in failed} == {
        "expect_column_values_to_not_be_null(n_questions)",
        "expect_column_values_to_be_between(n_questions)",
        "expect_column_pair_values_a_to_be_greater_than_b(n_messages, n_questions)",
    }
    assert all(o.observed == "error: The column \"n_questions\" in BatchData does not exist." for o in failed)
    assert report.success is False


def test_null_count_is_reported_not_raised(dirs):
    # DuckDB hands a column holding NULLs to pandas as a masked Int32; GX must still count the row
    warehouse, quality = dirs
    make_warehouse(warehouse, "UPDATE sessions SET n_messages = NULL WHERE session_id LIKE '%03-21%'")

    report = run_checks(warehouse, quality, build_docs=False)

    failed = {o.label(): o.observed for o in report.suite("sessions").failed}
    assert failed == {
        "expect_column_values_to_not_be_null(n_messages)": "1 of 2 rows unexpected, e.g. NULL",
        "expect_column_pair_values_to_be_equal(n_messages, n_message_rows)": (
            "1 of 2 rows unexpected, e.g. (NULL, 2)"
        ),
        "expect_column_pair_values_a_to_be_greater_than_b(n_messages, n_questions)": (
            "1 of 2 rows unexpected, e.g. (NULL, 0)"
        ),
        "expect_column_pair_values_a_to_be_greater_than_b(n_messages, n_participants)": (
            "1 of 2 rows unexpected, e.g. (NULL, 2)"
        ),
    }


def test_validation_history_is_pruned(dirs, monkeypatch):
    import expectations.runner as runner

    warehouse, quality = dirs
    make_warehouse(warehouse)
    monkeypatch.setattr(runner, "KEEP_RUNS", 2)
    for build_docs in (True, True, False, True):
        report = run_checks(warehouse, quality, build_docs=build_docs)
    assert report.success
    for base in ("validations", "data_docs/local_site/validations"):
        runs = list((quality / "gx" / "uncommitted" / base / "sessions" / "classchat").iterdir())
        assert len(runs) == 2, base
    # the index links the kept runs of every suite, each with its page (also the run without docs)
    site = quality / "gx" / "uncommitted" / "data_docs" / "local_site"
    links = set(re.findall(r"validations/[^'\"]+?\.html", (site / "index.html").read_text()))
    assert len(links) == 2 * 3
    assert all((site / link).is_file() for link in links)


def test_missing_mart_or_warehouse_raises(dirs):
    warehouse, quality = dirs
    with pytest.raises(CheckError, match="no warehouse"):
        run_checks(warehouse, quality)
    make_warehouse(warehouse, "DROP TABLE users")
    with pytest.raises(CheckError, match="suite 'users'"):
        run_checks(warehouse, quality, build_docs=False)


def test_an_added_mart_is_one_entry_and_dropped_suites_are_removed(dirs):
    warehouse, quality = dirs
    make_warehouse(warehouse)
    courses = MartSuite(
        name="courses",
        query="SELECT course_id, count(*) AS n_sessions FROM sessions GROUP BY course_id",
        expectations=lambda gxe: [
            gxe.ExpectColumnValuesToBeUnique(
                column="course_id", description="one row per course", severity="critical"
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="n_sessions", min_value=3, description="at least 3 sessions", severity="warning"
            ),
        ],
    )

    report = run_checks(warehouse, quality, build_docs=False, suites=[*SUITES, courses])
    assert report.success is True  # only a warning failed
    assert [(o.expectation, o.observed) for o in report.suite("courses").failed] == [
        ("expect_column_values_to_be_between", "1 of 1 rows unexpected, e.g. 2")
    ]
    assert (quality / "results" / "courses.json").is_file()

    run_checks(warehouse, quality, build_docs=False)
    assert not (quality / "results" / "courses.json").exists()
    assert not (quality / "gx" / "expectations" / "courses.json").exists()
    assert not (quality / "gx" / "validation_definitions" / "courses.json").exists()
