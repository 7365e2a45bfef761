"""Tests of the expectations runner on a real warehouse, broken one fact at a time.

One warehouse is built per test session by the project's own pipeline (ingest
and dbt build of the layout fixtures, see tests/helpers.py), so the marts
have exactly the schema dbt produces (messages, sessions, users,
session_minutes, courses, ...). Each test copies that warehouse file into its
own tmp_path, optionally breaks one fact with SQL, runs `run_checks`, and
asserts on the report (which suite and expectation failed, the observed
values), the result JSON files and the Data Docs it writes. Row counts and the
values a check should observe are queried from the warehouse, not hard-coded.
"""

from __future__ import annotations

import json
from datetime import datetime
import re
import shutil
from pathlib import Path
from typing import Any, Callable

import duckdb
import pytest
from helpers import build_warehouse, write_layout_courses

from classchat.config import Paths
from classchat.expectations import SUITES, CheckError, MartSuite, run_checks
from classchat.expectations.suites import suite_names

MARTS = ("messages", "sessions", "users", "session_minutes", "courses")  # the suites over one mart each
SUITE_ORDER = (*MARTS, "attendance", "name_matches", "attendance_files", "attendance_rejects", "totals")  # all suites, in run order; totals ties the marts together
# attendance (Zoom participants reports) is empty in the layout fixtures, and passes so


@pytest.fixture(scope="session")
def real_warehouse(tmp_path_factory) -> Path:
    """The warehouse the pipeline builds from the layout fixtures (built once, never modified)."""
    paths = Paths(tmp_path_factory.mktemp("gx") / "data")
    write_layout_courses(paths)
    build_warehouse(paths)
    return paths.warehouse


@pytest.fixture
def make_warehouse(real_warehouse: Path, tmp_path: Path) -> Callable[..., Path]:
    """`make_warehouse(*breakage)`: a copy of the real warehouse in tmp_path, each SQL statement applied."""

    def make(*breakage: str) -> Path:
        target = tmp_path / "warehouse.duckdb"
        shutil.copyfile(real_warehouse, target)
        con = duckdb.connect(str(target))
        try:
            for statement in breakage:
                con.execute(statement)
        finally:
            con.close()
        return target

    return make


@pytest.fixture
def quality(tmp_path: Path) -> Path:
    return tmp_path / "quality"


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def scalar(warehouse: Path, sql: str) -> Any:
    ((value,),) = query(warehouse, sql)
    return value


def count(warehouse: Path, table: str) -> int:
    return scalar(warehouse, f"SELECT count(*) FROM {table}")


def failed_labels(report, suite: str) -> set[str]:
    return {o.label() for o in report.suite(suite).failed}


def assert_only_failure(report, suite: str, label: str, observed: str, totals: set[str] = frozenset()) -> None:
    """`label` is the one failed expectation of its mart suites: in `suite`, critical, seen as `observed`.

    `totals` names the columns (column_A) of the whole-warehouse sums the breakage also throws off.
    """
    for other in MARTS:
        if other != suite:
            assert report.suite(other).success, (other, report.suite(other).failed)
    (failure,) = report.suite(suite).failed
    assert failure.label() == label
    assert failure.severity == "critical"
    assert failure.observed == observed
    assert {o.columns[0] for o in report.suite("totals").failed} == set(totals)
    assert report.success is False
    message = report.failure_message()
    assert message.startswith(f"expectation failed in suite '{suite}': {label} — {failure.description}")
    assert f"[observed: {observed}]" in message
    if not totals:
        assert "more critical" not in message
    assert "\n" not in message


# ---------------------------------------------------------------------------
# the consistent warehouse
# ---------------------------------------------------------------------------


def test_real_warehouse_passes_and_writes_results(make_warehouse, quality):
    warehouse = make_warehouse()
    n_rows = {name: count(warehouse, name) for name in MARTS}
    assert all(n > 0 for n in n_rows.values()), n_rows
    for table in ("attendance", "name_matches", "attendance_files", "attendance_rejects"):
        n_rows[table] = count(warehouse, table)  # 0: no participants report in the fixtures

    report = run_checks(warehouse, quality)

    assert report.success is True
    assert report.failure_message() is None
    assert suite_names() == list(SUITE_ORDER)
    assert [s.name for s in report.suites] == list(SUITE_ORDER)
    for s in report.suites:
        assert s.success, s.failed
        assert s.n_failed == 0
        assert s.n_expectations == len(next(x for x in SUITES if x.name == s.name).build_suite().expectations)
        assert s.n_rows == n_rows.get(s.name, 1)

    # result JSON per suite, written by GX's to_json_dict
    for name in SUITE_ORDER:
        data = json.loads((quality / "results" / f"{name}.json").read_text())
        assert data["success"] is True
        assert data["suite_name"] == name
        assert data["statistics"]["unsuccessful_expectations"] == 0
        assert data["statistics"]["evaluated_expectations"] == report.suite(name).n_expectations
        assert report.suite(name).result_file == quality / "results" / f"{name}.json"
    latest = json.loads((quality / "latest.json").read_text())
    assert latest["success"] is True
    assert list(latest["suites"]) == list(SUITE_ORDER)
    assert latest["suites"]["messages"]["n_rows"] == n_rows["messages"]
    assert latest["suites"]["session_minutes"]["n_rows"] == n_rows["session_minutes"]
    assert latest["suites"]["sessions"]["n_failed"] == 0
    assert not list((quality / "results").glob("*.tmp"))

    # Data Docs
    assert report.data_docs == quality / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert report.data_docs.is_file()
    index = report.data_docs.read_text()
    assert all(name in index for name in SUITE_ORDER)

    # rows for the warehouse table
    rows = report.rows()
    assert len(rows) == sum(s.n_expectations for s in report.suites)
    assert {r["suite"] for r in rows} == set(SUITE_ORDER)
    assert all(r["success"] for r in rows)
    assert {"checked_at", "suite", "expectation", "column", "success", "severity", "observed"} <= set(rows[0])
    for name in MARTS:
        (row_count,) = [
            r
            for r in rows
            if r["suite"] == name and r["expectation"] == "expect_table_row_count_to_be_between"
        ]
        assert row_count["observed"] == str(n_rows[name])
        assert row_count["column"] is None
    lines = report.summary_lines()
    for name, line in zip(MARTS, lines):
        assert line.startswith(name) and " ok " in line and line.endswith(f"; {n_rows[name]} rows")
    assert "checks passed" in lines[len(SUITE_ORDER)]

    # re-running on the same context is idempotent (data source, suites, definitions updated)
    again = run_checks(warehouse, quality, build_docs=False)
    assert again.success is True
    assert [s.n_expectations for s in again.suites] == [s.n_expectations for s in report.suites]
    assert again.data_docs is None
    suite_files = sorted(p.name for p in (quality / "gx" / "expectations").glob("*.json"))
    assert suite_files == sorted(f"{name}.json" for name in SUITE_ORDER)


# ---------------------------------------------------------------------------
# one broken fact each
# ---------------------------------------------------------------------------


def test_session_count_disagreeing_with_messages_fails_sessions(make_warehouse, quality):
    warehouse = make_warehouse(
        "UPDATE sessions SET n_messages = n_messages + 1 "
        "WHERE session_id = (SELECT min(session_id) FROM sessions)"
    )
    n_sessions = count(warehouse, "sessions")
    n_messages, n_rows = query(
        warehouse,
        "SELECT s.n_messages, count(*) FROM sessions s JOIN messages m USING (session_id) "
        "WHERE s.session_id = (SELECT min(session_id) FROM sessions) GROUP BY s.n_messages",
    )[0]
    assert n_messages == n_rows + 1

    report = run_checks(warehouse, quality, build_docs=False)

    label = "expect_column_pair_values_to_be_equal(n_messages, n_message_rows)"
    assert_only_failure(
        report, "sessions", label, f"1 of {n_sessions} rows unexpected, e.g. ({n_messages}, {n_rows})",
        totals={"message_rows", "session_messages"},  # the sessions' sum is off against messages and courses
    )
    (failure,) = report.suite("sessions").failed
    assert failure.expectation == "expect_column_pair_values_to_be_equal"
    assert failure.columns == ("n_messages", "n_message_rows")
    latest = json.loads((quality / "latest.json").read_text())
    assert latest["success"] is False
    assert latest["suites"]["sessions"]["n_failed_critical"] == 1
    assert latest["suites"]["sessions"]["failed"][0]["expectation"] == "expect_column_pair_values_to_be_equal"
    stored = json.loads((quality / "results" / "sessions.json").read_text())
    assert stored["success"] is False
    assert stored["statistics"]["unsuccessful_expectations"] == 1
    assert json.loads((quality / "results" / "messages.json").read_text())["success"] is True
    failed_rows = [r for r in report.rows() if not r["success"]]
    assert [(r["suite"], r["column"]) for r in failed_rows] == [
        ("sessions", "n_messages, n_message_rows"),
        ("totals", "message_rows, session_messages"),
        ("totals", "session_messages, course_messages"),
    ]
    assert any(line.startswith("sessions") and "FAILED" in line for line in report.summary_lines())


def test_message_after_session_end_fails_messages(make_warehouse, quality):
    last_message = (
        "SELECT message_id FROM messages WHERE session_id = (SELECT min(session_id) FROM sessions) "
        "ORDER BY seq DESC LIMIT 1"
    )
    warehouse = make_warehouse(
        "UPDATE messages SET sent_at = sent_at + INTERVAL 2 MINUTE "
        f"WHERE message_id = ({last_message})"
    )
    ended_at, sent_at = query(
        warehouse,
        "SELECT s.ended_at, m.sent_at FROM messages m JOIN sessions s USING (session_id) "
        f"WHERE m.message_id = ({last_message})",
    )[0]
    assert sent_at > ended_at

    report = run_checks(warehouse, quality, build_docs=False)

    label = "expect_column_pair_values_a_to_be_greater_than_b(session_ended_at, sent_at)"
    observed = f"1 of {count(warehouse, 'messages')} rows unexpected, e.g. ({ended_at}, {sent_at})"
    # users' last_seen_at is left as built: nothing else notices the moved message
    assert_only_failure(report, "messages", label, observed)
    assert "ended_at" in report.suite("messages").failed[0].description


def test_duplicated_message_id_fails_messages(make_warehouse, quality):
    first_two = (
        "SELECT message_id FROM messages WHERE session_id = (SELECT min(session_id) FROM sessions) "
        "ORDER BY seq LIMIT 1 OFFSET {}"
    )
    warehouse = make_warehouse(
        f"UPDATE messages SET message_id = ({first_two.format(0)}) WHERE message_id = ({first_two.format(1)})"
    )
    (dup_id,) = query(warehouse, "SELECT message_id FROM messages GROUP BY message_id HAVING count(*) > 1")[0]

    report = run_checks(warehouse, quality, build_docs=False)

    observed = f"2 of {count(warehouse, 'messages')} rows unexpected, e.g. '{dup_id}'; '{dup_id}'"
    assert_only_failure(report, "messages", "expect_column_values_to_be_unique(message_id)", observed)
    assert report.failure_message().startswith(
        "expectation failed in suite 'messages': expect_column_values_to_be_unique(message_id)"
    )


def test_orphan_message_and_bad_kind_fail_messages(make_warehouse, quality, real_warehouse):
    session = scalar(real_warehouse, "SELECT min(session_id) FROM sessions")
    kind_id, orphan_id = (
        row[0]
        for row in query(
            real_warehouse,
            f"SELECT message_id FROM messages WHERE session_id = '{session}' AND NOT is_question "
            "ORDER BY seq LIMIT 2",
        )
    )
    warehouse = make_warehouse(
        f"UPDATE messages SET message_kind = 'emoji' WHERE message_id = '{kind_id}'",
        f"UPDATE messages SET session_id = 'nowhere/gone' WHERE message_id = '{orphan_id}'",
    )
    n_messages = count(warehouse, "messages")

    report = run_checks(warehouse, quality, build_docs=False)

    failed = {o.label(): o.observed for o in report.suite("messages").failed}
    assert failed == {
        "expect_column_values_to_be_in_set(message_kind)": f"1 of {n_messages} rows unexpected, e.g. 'emoji'",
        "expect_column_values_to_not_be_null(session_found)": (
            f"1 of {n_messages} rows unexpected, e.g. NULL"
        ),
    }
    # the session lost a message row (not a question), so only its n_messages no longer matches
    n_before = scalar(warehouse, f"SELECT n_messages FROM sessions WHERE session_id = '{session}'")
    assert {o.label(): o.observed for o in report.suite("sessions").failed} == {
        "expect_column_pair_values_to_be_equal(n_messages, n_message_rows)": (
            f"1 of {count(warehouse, 'sessions')} rows unexpected, e.g. ({n_before}, {n_before - 1})"
        )
    }
    assert report.suite("users").success
    assert report.success is False
    assert "+3 more critical" in report.failure_message()  # the third: totals, messages vs sessions


def test_soft_check_failure_keeps_overall_success(make_warehouse, quality):
    warehouse = make_warehouse(
        "UPDATE users SET n_messages = n_messages + 1 WHERE user_id = (SELECT min(user_id) FROM users)"
    )
    n_messages = scalar(
        warehouse, "SELECT n_messages FROM users WHERE user_id = (SELECT min(user_id) FROM users)"
    )

    report = run_checks(warehouse, quality, build_docs=False)

    users = report.suite("users")
    assert users.success is False
    assert [(o.label(), o.severity, o.observed) for o in users.failed] == [
        (
            "expect_column_pair_values_to_be_equal(n_messages, n_message_rows)",
            "warning",
            f"1 of {count(warehouse, 'users')} rows unexpected, e.g. ({n_messages}, {n_messages - 1})",
        )
    ]
    assert users.n_failed_critical == 0
    assert all(report.suite(name).success for name in MARTS if name != "users")
    assert report.success is True
    assert report.failure_message() is None
    assert any(line.startswith("users") and "warn" in line for line in report.summary_lines())
    latest = json.loads((quality / "latest.json").read_text())
    assert latest["success"] is True
    assert latest["suites"]["users"]["critical_success"] is True
    assert latest["suites"]["users"]["success"] is False


def test_missing_column_is_a_failure_not_a_crash(make_warehouse, quality):
    warehouse = make_warehouse("ALTER TABLE sessions DROP COLUMN n_links")

    report = run_checks(warehouse, quality, build_docs=False)

    failed = report.suite("sessions").failed
    assert {o.label() for o in failed} == {
        "expect_column_values_to_not_be_null(n_links)",
        "expect_column_values_to_be_between(n_links)",
    }
    assert all(o.observed == "error: The column \"n_links\" in BatchData does not exist." for o in failed)
    assert all(report.suite(name).success for name in SUITE_ORDER if name != "sessions")
    assert report.success is False
    assert "suite 'sessions'" in report.failure_message()


def test_null_count_is_reported_not_raised(make_warehouse, quality):
    # DuckDB hands a column holding NULLs to pandas as a masked Int64; GX must still count the row
    last = "(SELECT max(session_id) FROM sessions)"
    warehouse = make_warehouse(f"UPDATE sessions SET n_messages = NULL WHERE session_id = {last}")
    n_sessions = count(warehouse, "sessions")
    n_rows = scalar(warehouse, f"SELECT count(*) FROM messages WHERE session_id = {last}")
    n_questions, n_participants = query(
        warehouse, f"SELECT n_questions, n_participants FROM sessions WHERE session_id = {last}"
    )[0]

    report = run_checks(warehouse, quality, build_docs=False)

    failed = {o.label(): o.observed for o in report.suite("sessions").failed}
    bad = f"1 of {n_sessions} rows unexpected, e.g."
    assert failed == {
        "expect_column_values_to_not_be_null(n_messages)": f"{bad} NULL",
        "expect_column_pair_values_to_be_equal(n_messages, n_message_rows)": f"{bad} (NULL, {n_rows})",
        "expect_column_pair_values_a_to_be_greater_than_b(n_messages, n_questions)": (
            f"{bad} (NULL, {n_questions})"
        ),
        "expect_column_pair_values_a_to_be_greater_than_b(n_messages, n_participants)": (
            f"{bad} (NULL, {n_participants})"
        ),
    }
    assert report.success is False


# ---------------------------------------------------------------------------
# the newer checks
# ---------------------------------------------------------------------------


def test_intent_outside_accepted_set_fails_messages(make_warehouse, quality):
    warehouse = make_warehouse(
        "UPDATE messages SET intent = 'rant' "
        "WHERE message_id = (SELECT min(message_id) FROM messages WHERE intent = 'other')"
    )

    report = run_checks(warehouse, quality, build_docs=False)

    observed = f"1 of {count(warehouse, 'messages')} rows unexpected, e.g. 'rant'"
    assert_only_failure(report, "messages", "expect_column_values_to_be_in_set(intent)", observed)


def test_negative_response_seconds_fails_messages(make_warehouse, quality):
    warehouse = make_warehouse(
        "UPDATE messages SET response_seconds = -5 "
        "WHERE message_id = (SELECT min(message_id) FROM messages WHERE response_seconds IS NOT NULL)"
    )
    n_messages = count(warehouse, "messages")
    assert scalar(warehouse, "SELECT count(*) FROM messages WHERE response_seconds IS NULL") > 0

    report = run_checks(warehouse, quality, build_docs=False)

    # response_seconds holds NULLs (messages that are no answered question): a float column, NULLs not counted
    observed = f"1 of {n_messages} rows unexpected, e.g. -5.0"
    assert_only_failure(report, "messages", "expect_column_values_to_be_between(response_seconds)", observed)


def test_participation_gini_above_one_fails_sessions(make_warehouse, quality):
    warehouse = make_warehouse(
        "UPDATE sessions SET participation_gini = 1.5 "
        "WHERE session_id = (SELECT min(session_id) FROM sessions)"
    )

    report = run_checks(warehouse, quality, build_docs=False)

    observed = f"1 of {count(warehouse, 'sessions')} rows unexpected, e.g. 1.5"
    label = "expect_column_values_to_be_between(participation_gini)"
    assert_only_failure(report, "sessions", label, observed)
    assert "between 0 and 1" in report.failure_message()


def test_session_questions_disagreeing_with_question_rows_fails_sessions(make_warehouse, quality):
    # a session with room for one more question, so n_messages >= n_questions still holds
    target = "(SELECT min(session_id) FROM sessions WHERE n_questions < n_messages)"
    warehouse = make_warehouse(
        f"UPDATE sessions SET n_questions = n_questions + 1 WHERE session_id = {target}"
    )
    n_questions = scalar(warehouse, f"SELECT n_questions FROM sessions WHERE session_id = {target}")
    n_question_rows = scalar(
        warehouse, f"SELECT count(*) FROM messages WHERE is_question AND session_id = {target}"
    )
    assert n_questions == n_question_rows + 1

    report = run_checks(warehouse, quality, build_docs=False)

    observed = f"1 of {count(warehouse, 'sessions')} rows unexpected, e.g. ({n_questions}, {n_question_rows})"
    label = "expect_column_pair_values_to_be_equal(n_questions, n_question_rows)"
    assert_only_failure(report, "sessions", label, observed, totals={"question_rows"})


def test_missing_session_minute_fails_sessions(make_warehouse, real_warehouse, quality):
    session, n_minutes = query(
        real_warehouse,
        "SELECT session_id, count(*) FROM session_minutes GROUP BY session_id ORDER BY session_id LIMIT 1",
    )[0]
    assert n_minutes >= 3
    warehouse = make_warehouse(  # a minute in the middle of the session
        f"DELETE FROM session_minutes WHERE session_id = '{session}' AND minute_at = "
        f"(SELECT minute_at FROM session_minutes WHERE session_id = '{session}' "
        "ORDER BY minute_at LIMIT 1 OFFSET 1)"
    )
    assert count(warehouse, "session_minutes") == count(real_warehouse, "session_minutes") - 1

    report = run_checks(warehouse, quality, build_docs=False)

    observed = f"1 of {count(warehouse, 'sessions')} rows unexpected, e.g. ({n_minutes - 1}, {n_minutes})"
    label = "expect_column_pair_values_to_be_equal(n_minute_rows, n_minutes_spanned)"
    assert_only_failure(report, "sessions", label, observed, totals={"minute_rows"})
    # the session_minutes suite itself sees a consistent (shorter) mart
    assert report.suite("session_minutes").n_rows == count(warehouse, "session_minutes")


def test_answered_share_above_one_fails_courses(make_warehouse, quality):
    warehouse = make_warehouse(
        "UPDATE courses SET answered_share = 2.0 WHERE course_id = (SELECT min(course_id) FROM courses)"
    )

    report = run_checks(warehouse, quality, build_docs=False)

    observed = f"1 of {count(warehouse, 'courses')} rows unexpected, e.g. 2.0"
    assert_only_failure(report, "courses", "expect_column_values_to_be_between(answered_share)", observed)
    stored = json.loads((quality / "results" / "courses.json").read_text())
    assert stored["success"] is False
    assert stored["statistics"]["unsuccessful_expectations"] == 1


def test_duplicated_or_impossible_attendance_fails_attendance(make_warehouse, quality):
    row = ("INSERT INTO attendance (session_id, course_id, user_id, display_name, minutes_present, session_minutes, "
           "share_present, n_joins, n_rejoins, n_waiting_room_rows, n_messages, match_score, is_silent_attendee) "
           "VALUES ('c/s1', 'c', 'u1', 'Ann', 30, 60, {share}, 1, 0, 0, 0, 100, false)")
    warehouse = make_warehouse(row.format(share=0.5), row.format(share=1.5))  # the same person twice, a share > 1

    report = run_checks(warehouse, quality, build_docs=False)

    assert failed_labels(report, "attendance") == {
        "expect_compound_columns_to_be_unique(session_id, user_id)",
        "expect_column_values_to_be_between(share_present)",
    }
    assert all(report.suite(name).success for name in MARTS)
    assert report.success is False



def test_lost_records_and_inconsistent_name_matches_fail_the_attendance_bookkeeping(make_warehouse, quality):
    """A report whose records do not add up, a reject of an unknown report, a claim by an unclaiming rule."""
    warehouse = make_warehouse(
        "INSERT INTO attendance_files (source_file, course_id, status, n_records, n_meeting_records, "
        "n_blank_records, n_header_records, n_rows, n_rejected) VALUES ('c/r.csv', 'c', 'landed', 5, 2, 1, 1, 0, 0)",
        "INSERT INTO attendance_rejects (course_id, source_file, line_no, raw_text, reason) "
        "VALUES ('c', 'c/gone.csv', 3, 'x', 'no name')",
        "INSERT INTO name_matches (course_id, participant, user_id, is_claimed, match_rule, match_score, n_sessions) "
        "VALUES ('c', 'Ann', 'u1', true, 'below_threshold', 70, 1)",
    )

    report = run_checks(warehouse, quality, build_docs=False)

    assert failed_labels(report, "attendance_files") == {
        "expect_column_pair_values_to_be_equal(n_records, n_records_accounted)"
    }
    assert failed_labels(report, "attendance_rejects") == {"expect_column_values_to_be_in_set(file_is_known)"}
    assert failed_labels(report, "name_matches") == {"expect_column_values_to_be_in_set(claim_agrees_with_rule)"}
    assert all(report.suite(name).success for name in MARTS)
    assert report.success is False

# ---------------------------------------------------------------------------
# the GX store, errors and suite changes
# ---------------------------------------------------------------------------


def test_validation_history_is_pruned(make_warehouse, quality, monkeypatch):
    import classchat.expectations.runner as runner

    warehouse = make_warehouse()
    monkeypatch.setattr(runner, "KEEP_RUNS", 2)
    for build_docs in (True, False, True):  # three runs, two kept: the first is pruned
        report = run_checks(warehouse, quality, build_docs=build_docs)
    assert report.success
    for base in ("validations", "data_docs/local_site/validations"):
        for name in SUITE_ORDER:
            runs = list((quality / "gx" / "uncommitted" / base / name / "classchat").iterdir())
            assert len(runs) == 2, (base, name)
    # the index links the kept runs of every suite, each with its page (also the run without docs)
    site = quality / "gx" / "uncommitted" / "data_docs" / "local_site"
    links = set(re.findall(r"validations/[^'\"]+?\.html", (site / "index.html").read_text()))
    assert len(links) == 2 * len(SUITE_ORDER)
    assert all((site / link).is_file() for link in links)


def test_missing_mart_or_warehouse_raises(make_warehouse, quality, tmp_path):
    with pytest.raises(CheckError, match="no warehouse"):
        run_checks(tmp_path / "nowhere.duckdb", quality)
    warehouse = make_warehouse("DROP TABLE users")
    with pytest.raises(CheckError, match="suite 'users'"):
        run_checks(warehouse, quality, build_docs=False)
    # the sessions suite reads session_minutes too: without it, that suite cannot run
    warehouse = make_warehouse("DROP TABLE session_minutes")
    with pytest.raises(CheckError, match="suite 'sessions'.*session_minutes"):
        run_checks(warehouse, quality, build_docs=False)


def test_an_added_mart_is_one_entry_and_dropped_suites_are_removed(make_warehouse, quality):
    warehouse = make_warehouse()
    n_rows = count(warehouse, "user_sessions")
    n_single = scalar(warehouse, "SELECT count(*) FROM user_sessions WHERE n_messages < 2")
    assert 0 < n_single < n_rows
    user_sessions = MartSuite(
        name="user_sessions",
        query="SELECT * FROM user_sessions",
        expectations=lambda gxe: [
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["user_id", "session_id"],
                description="one row per person and session",
                severity="critical",
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="n_messages", min_value=2, description="at least 2 messages", severity="warning"
            ),
        ],
    )

    report = run_checks(warehouse, quality, build_docs=False, suites=[*SUITES, user_sessions])
    assert report.success is True  # only a warning failed
    assert [s.name for s in report.suites] == [*SUITE_ORDER, "user_sessions"]
    added = report.suite("user_sessions")
    assert added.n_rows == n_rows
    assert added.n_expectations == 2
    assert [(o.label(), o.severity) for o in added.failed] == [
        ("expect_column_values_to_be_between(n_messages)", "warning")
    ]
    assert added.failed[0].observed.startswith(f"{n_single} of {n_rows} rows unexpected, e.g. 1")
    assert (quality / "results" / "user_sessions.json").is_file()
    assert (quality / "gx" / "expectations" / "user_sessions.json").is_file()
    assert "user_sessions" in json.loads((quality / "latest.json").read_text())["suites"]

    again = run_checks(warehouse, quality, build_docs=False)
    assert [s.name for s in again.suites] == list(SUITE_ORDER)
    assert not (quality / "results" / "user_sessions.json").exists()
    assert not (quality / "gx" / "expectations" / "user_sessions.json").exists()
    assert not (quality / "gx" / "validation_definitions" / "user_sessions.json").exists()
    assert "user_sessions" not in json.loads((quality / "latest.json").read_text())["suites"]
    assert sorted(p.stem for p in (quality / "results").glob("*.json")) == sorted(SUITE_ORDER)


def test_a_changed_suite_replaces_the_stored_one_and_an_unchanged_one_is_reused(make_warehouse, quality):
    """The GX store is updated only when a suite changed (runner._definitions): a changed one is
    validated, stored and drawn again; an unchanged one keeps its stored suite and definition."""
    warehouse = make_warehouse()
    n_rows = count(warehouse, "user_sessions")

    def suite(min_messages: int) -> MartSuite:
        return MartSuite(
            name="user_sessions",
            query="SELECT * FROM user_sessions",
            expectations=lambda gxe: [
                gxe.ExpectColumnValuesToBeBetween(
                    column="n_messages",
                    min_value=min_messages,
                    description=f"at least {min_messages} messages",
                    severity="warning",
                ),
            ],
        )

    stored = quality / "gx" / "expectations" / "user_sessions.json"
    definition = quality / "gx" / "validation_definitions" / "user_sessions.json"
    page = quality / "gx" / "uncommitted" / "data_docs" / "local_site" / "expectations" / "user_sessions.html"
    first = run_checks(warehouse, quality, suites=[suite(1)])
    assert not first.suite("user_sessions").failed
    kept = (stored.read_text(), definition.read_text(), page.stat().st_mtime_ns)

    again = run_checks(warehouse, quality, suites=[suite(1)])
    assert not again.suite("user_sessions").failed
    assert (stored.read_text(), definition.read_text(), page.stat().st_mtime_ns) == kept

    changed = run_checks(warehouse, quality, suites=[suite(10**6)])
    assert changed.suite("user_sessions").failed[0].observed.startswith(f"{n_rows} of {n_rows} rows unexpected")
    assert json.loads(stored.read_text())["expectations"][0]["kwargs"]["min_value"] == 10**6
    assert "at least 1000000 messages" in page.read_text()  # the suite's page, drawn again

    # every page of the site, rewritten once each though the site was built three times, loads
    # nothing from the network (expectations/offline_docs.py; drawn offline in tests/test_browser.py)
    site = page.parents[1]
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 5  # index, the suite's page, three validation pages
    external = re.compile(r"""<(?:script|link|img)\b[^>]*(?:src|href)="(?:https?:)?//|url\(['"]?(?:https?:)?//""")
    for html in [p.read_text() for p in pages] + [p.read_text() for p in (site / "static").rglob("*.css")]:
        assert not external.search(html)
    for html in [p.read_text() for p in pages]:
        assert html.count("classchat-offline") == 1 and "Content-Security-Policy" in html
    for p in pages:  # and every local file a page loads or links is there (GX's icon path was one short)
        for ref in re.findall(r"""(?:src|href)=["']([^"'#:]+)["']""", p.read_text()):
            assert (p.parent / ref).exists(), (p.relative_to(site), ref)


def test_scoped_checks_read_only_rows_landed_since(make_warehouse, quality):
    warehouse = make_warehouse(
        "update messages set landed_at = landed_at + interval 1 day where session_id = 'plain/2024-05-07_night'",
        "update sessions set landed_at = landed_at + interval 1 day where session_id = 'plain/2024-05-07_night'",
        "update session_minutes set landed_at = landed_at + interval 1 day "
        "where session_id = 'plain/2024-05-07_night'",
    )
    con = duckdb.connect(str(warehouse))
    since = con.execute("select max(landed_at) from messages").fetchall()[0][0]
    con.close()
    report = run_checks(warehouse, quality, since=since, build_docs=False)
    assert report.success, report.failure_message()
    assert report.suite("messages").n_rows == 4  # the night session's messages only
    assert report.suite("sessions").n_rows == 1
    assert report.suite("session_minutes").n_rows == 15  # 23:50 .. 00:04
    assert report.suite("users").n_rows == count(warehouse, "users")  # not scoped
    assert report.suite("totals").n_rows == 1


def test_totals_catch_a_message_outside_every_session_count(make_warehouse, quality):
    # scoped to nothing new, the row-level suites see no rows; the totals still see the whole warehouse
    warehouse = make_warehouse(
        "insert into messages select * replace (message_id || 'x' as message_id, seq + 1000 as seq) "
        "from messages where session_id = 'plain/2024-05-07_night' limit 1"
    )
    report = run_checks(warehouse, quality, since=datetime(2999, 1, 1), build_docs=False)
    assert not report.success
    failed = {(o.suite, o.columns) for o in report.critical_failures()}
    assert ("totals", ("message_rows", "session_messages")) in failed


def test_checker_process_runs_the_suites_in_a_separate_interpreter(make_warehouse, quality, tmp_path):
    from classchat.expectations.checker import CheckerProcess, CheckOutcome

    warehouse = make_warehouse()
    checker = CheckerProcess()
    try:
        outcome = checker.run(warehouse, quality)
    finally:
        checker.close()
    assert isinstance(outcome, CheckOutcome) and outcome.success
    assert {r["suite"] for r in outcome.rows()} == set(SUITE_ORDER)
    assert outcome.summary_lines()[0].startswith("messages")

    missing = CheckerProcess()
    try:
        with pytest.raises(CheckError, match="no warehouse at"):
            missing.run(tmp_path / "nowhere.duckdb", quality)
    finally:
        missing.close()


def test_a_suite_reads_only_the_columns_its_expectations_look_at(make_warehouse):
    from classchat.expectations.batches import SuiteReader, columns_used

    warehouse = make_warehouse()
    spec = next(s for s in SUITES if s.name == "messages")
    used = columns_used(spec.build_suite())
    with SuiteReader(warehouse, spec, None, used) as reader:
        frame = reader.frame()
    assert list(frame.columns) == used
    assert {"message_id", "session_found", "body"} <= set(used)
    mart_columns = [row[0] for row in query(warehouse, "select column_name from (describe messages)")]
    unchecked = set(mart_columns) - set(used)
    assert "sender_name" in unchecked and not unchecked & set(frame.columns)  # unchecked columns are not read
    assert len(frame) == count(warehouse, "messages")
