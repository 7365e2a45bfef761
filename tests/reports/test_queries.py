"""The named SQL queries (reports/queries/*.sql) and their runner (reports/queries.py).

One real warehouse is built per test session with the project's ingest and dbt
build: the hand-worked analytics fixture (courses ml and stats; see
tests/test_analytics.py for every figure worked out by hand) plus a course
`trend` written here, four weekly sessions in the plain layout, so that
participation drops and tech-trouble clusters have something to find:

    messages   2024-09-02  09-09  09-16  09-23
    Amy             3        3      3      3     steady
    Ben             2        2      1      1     earlier 2/session, recent 1: drop 0.5
    Cat             2        2      -      -     went silent: drop 1.0
    Dan             -        -      2      1     new in the recent sessions: nothing to drop from

On 09-16 Dan reports "can't hear" at 09:05:00, Amy at 09:06:10 and Ben "frozen"
at 09:20:00: with clusters broken by gaps over 2 minutes that is
"09:05-09:06 (2), 09:20 (1)".
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import FIXTURES, add_export, build_warehouse

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from classchat.config import Paths  # noqa: E402
from classchat.reports import db  # noqa: E402
from classchat.reports import queries as Q  # noqa: E402
from classchat.reports.privacy import Privacy  # noqa: E402

ML = "ml/2024-06-03_week1"

TREND = {
    "2024-09-02_week1.txt": [
        ("09:00:00", "Amy", "good morning"),
        ("09:01:00", "Ben", "morning all"),
        ("09:02:00", "Cat", "hello there"),
        ("09:10:00", "Amy", "the example helps"),
        ("09:11:00", "Cat", "nice diagram"),
        ("09:20:00", "Ben", "see you next week"),
        ("09:21:00", "Amy", "bye for now"),
    ],
    "2024-09-09_week2.txt": [
        ("09:00:00", "Amy", "good morning"),
        ("09:01:00", "Cat", "hello there"),
        ("09:02:00", "Ben", "morning all"),
        ("09:10:00", "Amy", "the example helps"),
        ("09:11:00", "Cat", "nice diagram"),
        ("09:20:00", "Ben", "see you next week"),
        ("09:21:00", "Amy", "bye for now"),
    ],
    "2024-09-16_week3.txt": [
        ("09:00:00", "Amy", "good morning"),
        ("09:01:00", "Dan", "hello everybody"),
        ("09:05:00", "Dan", "can't hear the teacher"),
        ("09:06:10", "Amy", "I can't hear either"),
        ("09:20:00", "Ben", "my screen is frozen"),
        ("09:30:00", "Amy", "bye for now"),
    ],
    "2024-09-23_week4.txt": [
        ("09:00:00", "Amy", "good morning"),
        ("09:01:00", "Ben", "morning all"),
        ("09:02:00", "Dan", "hello everybody"),
        ("09:10:00", "Amy", "the example helps"),
        ("09:21:00", "Amy", "bye for now"),
    ],
}

# the required parameters of every query, taken from the fixture
REQUIRED = {"course": "ml", "session": ML}


@pytest.fixture(scope="session")
def wh(tmp_path_factory) -> Paths:
    paths = Paths(tmp_path_factory.mktemp("queries") / "data")
    shutil.copytree(FIXTURES / "analytics", paths.raw)
    for name, lines in TREND.items():
        add_export(paths, "trend", name, "".join(f"{t}\t  {who} : {text}\n" for t, who, text in lines))
    return build_warehouse(paths)


def rows(df: pd.DataFrame, *columns: str) -> list[tuple]:
    return [tuple(r) for r in df[list(columns)].itertuples(index=False, name=None)]


# --- the library ----------------------------------------------------------------


def test_the_library_answers_the_staff_questions():
    names = [q.name for q in Q.list_queries()]
    assert names == sorted(names)
    assert len(names) >= 8
    for needed in (
        "participation_by_week", "unanswered_questions", "confusion_topics", "response_time_by_course",
        "participation_drop", "peak_minutes", "answer_sources", "tech_trouble",
    ):
        assert needed in names
    for q in Q.list_queries():
        assert q.title and q.description, q.name
        assert q.path == Q.QUERIES_DIR / f"{q.name}.sql"
        assert "$" not in q.title + q.description
        assert q.sql.lower().lstrip().startswith(("with", "select", "--")), q.name
        assert "order by" in q.sql.lower(), f"{q.name} must order its rows"
        for p in q.params:
            assert p.type in Q.TYPES and p.doc, (q.name, p.name)
            assert f"${p.name}" in q.sql


def test_header_is_read_with_types_and_defaults():
    q = Q.get_query("unanswered_questions")
    assert q.title == "Unanswered questions of a course"
    assert q.params == (
        Q.Param("course", "varchar", True, None, "the course id, e.g. dl101"),
        Q.Param("limit", "integer", False, 200, "at most this many rows", low=1, high=100000),
    )
    drop = Q.get_query("participation_drop")
    assert [(p.name, p.type, p.required, p.default) for p in drop.params] == [
        ("course", "varchar", True, None),
        ("last_sessions", "integer", False, 2),
        ("min_drop", "double", False, 0.5),
    ]
    peaks = Q.get_query("peak_minutes")
    assert peaks.param("peaks_only").default is True
    assert Q.get_query("tech_trouble").param("course").required is False


def test_malformed_query_files_are_errors_naming_the_file(tmp_path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / f"{name}.sql"
        path.write_text(text, encoding="utf-8")
        return path

    head = "-- title: T\n-- description: D\n"
    good = head + "-- param: n (integer, default 3) how many\nselect $n::integer as n\n"
    q = Q.parse_query(write("good", good))
    assert q.params[0].default == 3 and q.sql == "select $n::integer as n"
    cases = {
        "untitled": ("-- description: D\nselect 1", "no `-- title"),
        "badtype": (head + "-- param: n (number, required) x\nselect $n", "type 'number'"),
        "undeclared": (head + "select $course", "does not declare"),
        "unused": (head + "-- param: n (integer, optional) x\nselect 1", "never uses"),
        "baddefault": (head + "-- param: n (integer, default x) x\nselect $n", "not an integer"),
        "twotitles": (head + "-- title: U\nselect 1", "`title` given twice"),
        "typo": ("-- titel: T\n-- description: D\nselect 1", "unknown header field `titel`"),
        "textrange": (head + "-- param: s (varchar, optional, 1..3) x\nselect $s", "only integer and double"),
        "emptyrange": (head + "-- param: n (integer, default 3, 5..1) x\nselect $n", "range 5..1 is empty"),
        "outside": (head + "-- param: n (integer, default 30, 1..10) x\nselect $n", "default 30 is outside"),
    }
    for name, (text, message) in cases.items():
        with pytest.raises(Q.QueryError, match="query " + name) as err:
            Q.parse_query(write(name, text))
        assert message in str(err.value), name


def test_unknown_query_lists_the_known_ones():
    with pytest.raises(Q.QueryError) as err:
        Q.get_query("nope")
    assert "no query named 'nope'" in str(err.value)
    assert "unanswered_questions" in str(err.value) and "peak_minutes" in str(err.value)
    with pytest.raises(Q.QueryError):
        Q.get_query("../db")


# --- parameters -------------------------------------------------------------------


def test_bind_converts_strings_per_declared_type_and_applies_defaults():
    q = Q.get_query("participation_drop")
    assert Q.bind(q, {"course": "ml"}) == {"course": "ml", "last_sessions": 2, "min_drop": 0.5}
    assert Q.bind(q, {"course": "ml", "last_sessions": "3", "min_drop": "0.25"}) == {
        "course": "ml", "last_sessions": 3, "min_drop": 0.25,
    }
    assert Q.bind(q, {"course": "ml", "last_sessions": ""})["last_sessions"] == 2  # empty = not given
    assert Q.bind(Q.get_query("peak_minutes"), {"session": ML, "peaks_only": "no"})["peaks_only"] is False
    assert Q.bind(Q.get_query("tech_trouble"), {}) == {"course": None, "gap_minutes": 2}
    # typed values, as the report's widgets give them
    assert Q.bind(q, {"course": "ml", "last_sessions": 4, "min_drop": 1})["min_drop"] == 1.0
    assert Q.convert("d", "date", "2024-06-03") == date(2024, 6, 3)


def test_parameter_errors_are_clear():
    q = Q.get_query("unanswered_questions")
    with pytest.raises(Q.QueryError, match=r"parameter limit: 'abc' is not an integer"):
        Q.bind(q, {"course": "ml", "limit": "abc"})
    with pytest.raises(Q.QueryError, match=r"query unanswered_questions: unknown parameter cours\b.*course"):
        Q.bind(q, {"cours": "ml"})
    with pytest.raises(Q.QueryError, match=r"query unanswered_questions: missing required parameter course"):
        Q.bind(q, {})
    with pytest.raises(Q.QueryError, match=r"parameter min_drop: 'half' is not a number"):
        Q.bind(Q.get_query("participation_drop"), {"course": "ml", "min_drop": "half"})
    with pytest.raises(Q.QueryError, match=r"parameter peaks_only: 'maybe' is not a boolean"):
        Q.bind(Q.get_query("peak_minutes"), {"session": ML, "peaks_only": "maybe"})
    with pytest.raises(Q.QueryError, match=r"parameter d: '2024-13-01' is not a date"):
        Q.convert("d", "date", "2024-13-01")
    with pytest.raises(Q.QueryError, match=r"parameter limit: 2.5 is not an integer"):
        Q.bind(q, {"course": "ml", "limit": 2.5})
    assert Q.parse_assignments(["course=ml", "limit=5", "note=a=b"]) == {
        "course": "ml", "limit": "5", "note": "a=b",
    }
    with pytest.raises(Q.QueryError, match="name=value"):
        Q.parse_assignments(["course"])


def test_a_number_outside_its_declared_range_is_refused_naming_the_range(wh):
    """Never a quiet cap: the value, the valid range and what the parameter is."""
    q = Q.get_query("confusion_topics")
    assert q.param("limit").describe() == "limit (integer, default 20, 1..1000)"
    assert Q.get_query("participation_drop").param("last_sessions").describe() == "last_sessions (integer, default 2, 1..)"
    for bad in ("0", "-3", "1001"):
        with pytest.raises(Q.QueryError) as err:
            Q.run_query(wh.warehouse, "confusion_topics", {"course": "ml", "limit": bad})
        assert str(err.value) == (
            f"query confusion_topics: parameter limit is {int(bad)}, outside its valid range 1..1000 "
            "(at most this many terms)"
        )
    with pytest.raises(Q.QueryError, match=r"parameter min_drop is 1\.5, outside its valid range 0\.\.1 "):
        Q.bind(Q.get_query("participation_drop"), {"course": "ml", "min_drop": "1.5"})
    assert Q.bind(q, {"course": "ml", "limit": "1000"})["limit"] == 1000  # the ends are valid


def test_a_limit_the_result_does_not_reach_is_said(wh):
    """`confusion_topics limit=15` on a course with two topic terms returns 2 rows and says that is all."""
    df = Q.run_query(wh.warehouse, "confusion_topics", {"course": "ml", "limit": "15"})
    assert len(df) == 2
    assert Q.cut_note(df) == "2 rows, fewer than the limit of 15 asked for: that is every row the query finds"
    assert Q.cut_note(Q.run_query(wh.warehouse, "confusion_topics", {"course": "ml", "limit": "2"})) is None
    assert Q.cut_note(Q.run_query(wh.warehouse, "confusion_topics", {"course": "ml"})) is None  # not asked


# --- every query runs -------------------------------------------------------------


def test_every_query_runs_with_its_defaults(wh):
    for q in Q.list_queries():
        raw = {p.name: REQUIRED[p.name] for p in q.params if p.required}
        df = Q.run_query(wh.warehouse, q.name, raw)
        assert isinstance(df, pd.DataFrame), q.name
        assert len(df.columns) > 0, q.name
        again = Q.run_query(wh.warehouse, q.name, raw)
        pd.testing.assert_frame_equal(df, again)  # deterministic
        assert df.attrs["classchat"]["query"] == q.name


def test_an_unknown_course_is_an_error_naming_the_known_ones(wh):
    """A typo must not look like "no rows": every query with a course or session parameter refuses
    an unknown value and lists the valid ones."""
    checked = 0
    for q in Q.list_queries():
        for p in q.params:
            if p.name not in ("course", "session"):
                continue
            with pytest.raises(Q.QueryError, match=f"no such {p.name}.*known: ") as err:
                Q.run_query(wh.warehouse, q.name, {**_required(q), p.name: "no-such-thing"})
            assert ("ml" in str(err.value)) if p.name == "course" else ("ml/2024-06-03_week1" in str(err.value))
            checked += 1
    assert checked >= 5


def _required(q) -> dict[str, str]:
    """A valid value for every required parameter of q (the fixture's ml course and its session)."""
    valid = {"course": "ml", "session": "ml/2024-06-03_week1"}
    return {p.name: valid.get(p.name, "1") for p in q.params if p.required}


# --- answers on the hand-worked fixture -------------------------------------------


def test_unanswered_questions_of_ml(wh):
    df = Q.run_query(wh.warehouse, "unanswered_questions", {"course": "ml"})
    assert rows(df, "asked_at", "asker", "question", "asked_again") == [
        ("10:00:00", "Prof Li", "大家好，能听到吗？", False),
        ("10:30:00", "Bo", "为什么 relu 不会梯度消失", True),  # asked again at 10:40
        ("10:40:00", "Bo", "为什么 relu 不会梯度消失", False),
    ]
    assert set(df["session_id"]) == {ML}
    assert df["session_date"].tolist() == [date(2024, 6, 3)] * 3
    limited = Q.run_query(wh.warehouse, "unanswered_questions", {"course": "ml", "limit": "2"})
    assert limited["asked_at"].tolist() == ["10:00:00", "10:30:00"]
    assert Q.run_query(wh.warehouse, "unanswered_questions", {"course": "stats"}).empty


def test_response_time_and_answer_sources(wh):
    df = Q.run_query(wh.warehouse, "response_time_by_course", {}).set_index("course_id")
    ml = df.loc["ml"]
    # answered: 70 s and 600 s, both by the instructor; 2 of 5 questions
    assert (ml["n_questions"], ml["n_answered"], ml["answered_share"]) == (5, 2, 0.4)
    assert ml["median_response_seconds"] == 335.0
    assert ml["p90_response_seconds"] == pytest.approx(70 + 0.9 * 530)
    assert (ml["instructor_share"], ml["ta_share"], ml["peer_share"]) == (1.0, 0.0, 0.0)
    assert df.loc["stats", "peer_share"] == 1.0  # Ann answered Eve
    assert pd.isna(df.loc["trend", "median_response_seconds"])  # no questions: null, not 0
    only = Q.run_query(wh.warehouse, "response_time_by_course", {"course": "stats"})
    assert only["course_id"].tolist() == ["stats"]

    src = Q.run_query(wh.warehouse, "answer_sources", {"course": "ml"})
    assert rows(src, "answer_source", "n_answers", "n_answerers") == [
        ("instructor", 2, 1), ("ta", 0, 0), ("peer", 0, 0),
    ]
    assert src["median_response_seconds"].iloc[0] == 335.0
    helpers = Q.run_query(wh.warehouse, "peer_helpers", {})
    assert rows(helpers, "course_id", "display_name", "n_answers", "median_response_seconds") == [
        ("stats", "Ann", 1, 30.0)
    ]


def test_peak_minutes_of_the_ml_session(wh):
    df = Q.run_query(wh.warehouse, "peak_minutes", {"session": ML})
    assert rows(df, "minute", "n_messages", "n_questions", "n_senders", "is_peak") == [
        ("10:00", 3, 1, 3, True),
    ]
    assert df["question"].tolist() == ["大家好，能听到吗？"]
    busiest = Q.run_query(wh.warehouse, "peak_minutes", {"session": ML, "peaks_only": "false", "limit": "3"})
    # 10:00 has 3 messages; 10:05, 10:10 and 10:40 have 2 each (earliest first among equals)
    assert rows(busiest, "rank", "minute", "n_messages", "is_peak") == [
        (1, "10:00", 3, True), (2, "10:05", 2, False), (3, "10:10", 2, False),
    ]
    assert busiest["question"].tolist()[1:] == ["什么是梯度消失？", "how do we pick the learning rate?"]


def test_confusion_topics_of_ml(wh):
    df = Q.run_query(wh.warehouse, "confusion_topics", {"course": "ml"})
    assert rows(df, "rank", "term", "n_questions", "n_sessions") == [(1, "梯度消失", 3, 1), (2, "relu", 2, 1)]
    assert df["question"].tolist() == ["什么是梯度消失？", "为什么 relu 不会梯度消失"]  # earliest asking
    assert len(Q.run_query(wh.warehouse, "confusion_topics", {"course": "ml", "limit": "1"})) == 1


def test_participation_by_week(wh):
    df = Q.run_query(wh.warehouse, "participation_by_week", {})
    assert rows(df, "course_id", "iso_week", "n_sessions", "n_participants", "n_messages") == [
        ("ml", "2024-W23", 1, 5, 14),
        ("stats", "2024-W23", 1, 2, 3),
        ("trend", "2024-W36", 1, 3, 7),
        ("trend", "2024-W37", 1, 3, 7),
        ("trend", "2024-W38", 1, 3, 6),
        ("trend", "2024-W39", 1, 3, 5),
    ]
    ml = df.iloc[0]
    assert (ml["messages_per_participant"], ml["n_questions"], ml["n_unanswered_questions"]) == (2.8, 5, 3)
    assert ml["week_start"] == date(2024, 6, 3)
    only = Q.run_query(wh.warehouse, "participation_by_week", {"course": "trend"})
    assert only["iso_week"].tolist() == ["2024-W36", "2024-W37", "2024-W38", "2024-W39"]


def test_participation_drop_finds_the_fading_and_the_silent(wh):
    df = Q.run_query(wh.warehouse, "participation_drop", {"course": "trend"})
    assert rows(
        df, "display_name", "earlier_messages_per_session", "recent_messages_per_session", "drop_share",
        "went_silent",
    ) == [
        ("Cat", 2.0, 0.0, 1.0, True),
        ("Ben", 2.0, 1.0, 0.5, False),
    ]
    assert df["recent_sessions_attended"].tolist() == [0, 2]
    silent_only = Q.run_query(wh.warehouse, "participation_drop", {"course": "trend", "min_drop": "0.9"})
    assert silent_only["display_name"].tolist() == ["Cat"]
    # the last 3 sessions against week 1: Cat 2 -> 2/3 per session (drop 2/3), Ben 2 -> 4/3 (1/3)
    three = Q.run_query(
        wh.warehouse, "participation_drop", {"course": "trend", "last_sessions": "3", "min_drop": "0.3"}
    )
    assert rows(three, "display_name", "drop_share") == [("Cat", 0.6667), ("Ben", 0.3333)]
    # one session only: nothing earlier to compare with
    assert Q.run_query(wh.warehouse, "participation_drop", {"course": "ml", "last_sessions": "1"}).empty


def test_tech_trouble_clusters(wh):
    df = Q.run_query(wh.warehouse, "tech_trouble", {})
    assert rows(df, "session_id", "n_reports", "n_reporters", "n_clusters", "clusters", "worst_minute") == [
        ("trend/2024-09-16_week3", 3, 3, 2, "09:05-09:06 (2), 09:20 (1)", "09:05"),
        ("ml/2024-06-03_week1", 1, 1, 1, "10:40 (1)", "10:40"),
    ]
    assert df["message"].tolist() == ["can't hear the teacher", "听不到了"]
    wide = Q.run_query(wh.warehouse, "tech_trouble", {"course": "trend", "gap_minutes": "20"})
    assert wide["clusters"].tolist() == ["09:05-09:20 (3)"]


def test_course_figures(wh):
    sessions = Q.run_query(wh.warehouse, "course_sessions", {"course": "trend"})
    assert sessions["n_messages"].tolist() == [7, 7, 6, 5]
    assert sessions["session_date"].tolist() == [date(2024, 9, d) for d in (2, 9, 16, 23)]
    comparison = Q.run_query(wh.warehouse, "course_comparison", {})
    assert comparison["course_id"].tolist() == ["ml", "stats", "trend"]
    assert comparison.set_index("course_id").loc["ml", "answered_share"] == 0.4


# --- safety -----------------------------------------------------------------------


def test_values_are_bound_not_pasted(wh):
    evil = "x'; drop table messages; --"
    for name, param in (("unanswered_questions", "course"), ("peak_minutes", "session")):
        with pytest.raises(Q.QueryError, match="no such"):  # the value was compared as data, never run
            Q.run_query(wh.warehouse, name, {param: evil})
    assert Q.run_sql(wh.warehouse, "select count(*) as n from messages")["n"].tolist() == [14 + 3 + 25]


def test_run_sql_cannot_touch_files_or_write(wh, tmp_path):
    target = tmp_path / "x.csv"
    for sql in (
        "select * from read_text('/etc/passwd')",
        f"COPY messages TO '{target}'",
        f"attach '{tmp_path / 'other.duckdb'}' as other",
        "select * from read_csv('/etc/hostname')",
    ):
        with pytest.raises(duckdb.Error):
            Q.run_sql(wh.warehouse, sql)
    assert not target.exists()
    with pytest.raises(duckdb.Error):
        Q.run_sql(wh.warehouse, "drop table messages")
    with pytest.raises(duckdb.Error):
        Q.run_sql(wh.warehouse, "set enable_external_access = true")
    assert not Q.run_sql(wh.warehouse, "select * from messages limit 1").empty
    with pytest.raises(Q.QueryError):
        Q.run_sql(wh.warehouse, "  ")


def test_named_queries_run_under_the_row_cap(wh):
    full = Q.run_query(wh.warehouse, "unanswered_questions", {"course": "ml"})
    assert len(full) == 3 and full.attrs["classchat"]["cut"] is False and Q.cut_note(full) is None
    cut = Q.run_query(wh.warehouse, "unanswered_questions", {"course": "ml"}, limits=db.Limits(max_rows=2))
    assert cut["question"].tolist() == full["question"].tolist()[:2]  # the first rows, in the query's order
    assert cut.attrs["classchat"]["cut"] is True and cut.attrs["classchat"]["max_rows"] == 2
    assert "2 rows (cut at the row cap)" in Q.provenance(cut)
    assert Q.cut_note(cut).startswith("result cut at 2 rows (row cap, --max-rows)")


def test_pseudonymous_privacy_replaces_names(wh, tmp_path):
    from classchat.pseudonymise import publish_pseudonymous

    publish_pseudonymous(wh.data_dir, wh.warehouse, wh.pseudonymous_warehouse)  # as the pipeline does
    privacy = Privacy.for_data_dir(wh.data_dir, mode="pseudonymous")  # its key, to compute expected pseudonyms
    df = Q.run_query(wh.warehouse, "unanswered_questions", {"course": "ml"}, privacy=privacy)
    assert not set(df["asker"]) & {"Prof Li", "Bo"}
    assert all(name.startswith("P-") for name in df["asker"])
    assert df["asker"].iloc[1] == df["asker"].iloc[2]  # the same person, the same pseudonym
    assert df.attrs["classchat"]["privacy"] == "pseudonymous"
    named = Q.run_query(wh.warehouse, "peer_helpers", {})
    hidden = Q.run_query(wh.warehouse, "peer_helpers", {}, privacy=privacy)
    assert hidden["display_name"].tolist() == [privacy.name("Ann")]
    assert hidden["user_id"].iloc[0] != named["user_id"].iloc[0]  # an md5 of a name could be reversed
    adhoc = Q.run_sql(
        wh.warehouse, "select sender_name, body from messages where body like '@%'", privacy=privacy
    )
    assert adhoc["sender_name"].tolist() == [privacy.name("Prof Li")]
    assert adhoc["body"].tolist() == [f"@{privacy.name('Cy')} start with 0.001"]
    named_privacy = Privacy.for_data_dir(tmp_path, mode="named")
    unchanged = Q.run_query(wh.warehouse, "unanswered_questions", {"course": "ml"}, privacy=named_privacy)
    assert unchanged["asker"].tolist() == ["Prof Li", "Bo", "Bo"]


# --- provenance -------------------------------------------------------------------


def _warehouse_copy(wh: Paths, target: Path, *statements: str) -> Path:
    shutil.copyfile(wh.warehouse, target)
    con = duckdb.connect(str(target))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()
    return target


def test_results_name_the_run_they_came_from(wh, tmp_path):
    copy = _warehouse_copy(
        wh,
        tmp_path / "warehouse.duckdb",
        "create or replace table runs"
        " (run_id varchar, started_at timestamp, ended_at timestamp, outcome varchar)",
        "insert into runs values ('r1', '2024-06-01 09:00', '2024-06-01 09:01', 'success'),"
        " ('r2', '2024-06-05 09:00', '2024-06-05 09:02', 'checks_failed')",
    )
    df = Q.run_query(copy, "unanswered_questions", {"course": "ml", "limit": "5"})
    meta = df.attrs["classchat"]
    assert meta["run"] == {
        "run_id": "r2", "started_at": "2024-06-05T09:00:00", "ended_at": "2024-06-05T09:02:00",
        "outcome": "checks_failed",
    }
    assert meta["params"] == {"course": "ml", "limit": 5}
    line = Q.provenance(df)
    assert "query unanswered_questions" in line and "run r2" in line and "3 rows" in line
    assert Q.latest_run(copy).run_id == "r2"
    assert Q.run_sql(copy, "select 1 as one").attrs["classchat"]["run"]["run_id"] == "r2"


def test_older_warehouses_without_runs_still_answer(wh, tmp_path):
    old = _warehouse_copy(wh, tmp_path / "old.duckdb", "drop table if exists runs")
    df = Q.run_query(old, "course_comparison", {})
    assert df["course_id"].tolist() == ["ml", "stats", "trend"]
    assert df.attrs["classchat"]["run"] is None
    assert "run unknown" in Q.provenance(df)
    assert Q.latest_run(old) is None


# --- output formats ---------------------------------------------------------------


def test_write_result_formats_read_back(wh, tmp_path):
    df = Q.run_query(wh.warehouse, "unanswered_questions", {"course": "ml"})

    buf = io.StringIO()
    Q.write_result(df, "csv", buf)
    back = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [r["question"] for r in back] == df["question"].tolist()
    assert back[0]["session_date"] == "2024-06-03" and back[0]["asked_again"] == "false"

    buf = io.StringIO()
    Q.write_result(df, "json", buf)
    assert "大家好" in buf.getvalue()  # UTF-8, not \u escapes
    records = json.loads(buf.getvalue())
    assert records[1] == {
        "session_date": "2024-06-03", "session_id": ML, "title": "week1", "asked_at": "10:30:00",
        "asker": "Bo", "role": "student", "question": "为什么 relu 不会梯度消失", "asked_again": True,
        "is_private": False, "message_id": df["message_id"].iloc[1],
    }

    out = tmp_path / "out" / "result.parquet"
    Q.write_result(df, "parquet", out)
    table = pq.read_table(out)
    assert table.column("question").to_pylist() == df["question"].tolist()
    assert table.column("session_date").to_pylist() == [date(2024, 6, 3)] * 3
    assert json.loads(table.schema.metadata[b"classchat"])["query"] == "unanswered_questions"
    with pytest.raises(Q.QueryError, match="--out"):
        Q.write_result(df, "parquet", None)
    with pytest.raises(Q.QueryError, match="--out"):
        Q.write_result(df, "parquet", io.StringIO())
    binary = io.BytesIO()
    Q.write_result(df, "parquet", binary)
    assert pq.read_table(io.BytesIO(binary.getvalue())).num_rows == 3

    buf = io.StringIO()
    Q.write_result(df, "table", buf)
    lines = buf.getvalue().splitlines()
    assert lines[0].split() == list(df.columns)
    assert set(lines[1]) == {"-", " "}
    assert "大家好，能听到吗？" in lines[2] and lines[-1] == "(3 rows)"

    path = tmp_path / "result.json"
    Q.write_result(df, "json", path)
    assert len(json.loads(path.read_text(encoding="utf-8"))) == 3
    with pytest.raises(Q.QueryError, match="unknown format"):
        Q.write_result(df, "xml", io.StringIO())


def test_json_and_csv_keep_nulls_lists_and_timestamps(wh):
    df = Q.run_sql(
        wh.warehouse,
        "select seq, sent_at, mentions, response_seconds from messages"
        " where session_id = 'ml/2024-06-03_week1' and seq in (4, 9) order by seq",
    )
    buf = io.StringIO()
    Q.write_result(df, "json", buf)
    assert json.loads(buf.getvalue()) == [
        {"seq": 4, "sent_at": "2024-06-03T10:05:00", "mentions": [], "response_seconds": 70},
        {"seq": 9, "sent_at": "2024-06-03T10:20:00", "mentions": ["Cy"], "response_seconds": None},
    ]
    buf = io.StringIO()
    Q.write_result(df, "csv", buf)
    assert buf.getvalue().splitlines() == [
        "seq,sent_at,mentions,response_seconds",
        "4,2024-06-03T10:05:00,[],70",
        '9,2024-06-03T10:20:00,"[""Cy""]",',
    ]


def test_blobs_are_hex_in_json():
    frame = pd.DataFrame({"b": [bytearray(b"ab"), b"\x00\xff"]})
    assert json.loads(Q.render(frame, "json")) == [{"b": "6162"}, {"b": "00ff"}]
