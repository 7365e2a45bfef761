"""Tests of the Streamlit report (reports/app.py, reports/views/, reports/ui.py) and of reports/db.py.

The warehouse is real: the 'analytics' fixture (tests/fixtures/analytics; its
figures are worked out by hand in tests/test_analytics.py) is ingested, built
with dbt and checked with Great Expectations once per test session. Course ml
has one session, ml/2024-06-03_week1: 14 messages, 5 participants (Prof Li 3,
Ann 5, Bo 4, Cy 1, Dan 1), 5 questions, 3 unanswered, median response 335 s,
one peak at 10:00; course stats has one session of 3 messages. Every page runs
headlessly through the navigation app with Streamlit's AppTest. Tests that
change the warehouse work on a copy of the data directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from helpers import analytics_copy

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from classchat.config import Paths  # noqa: E402
from classchat.reports import db, ui  # noqa: E402

APP = str(PROJECT_ROOT / "reports" / "app.py")
PAGES = ("overview", "course", "session", "people", "quality", "queries")

ML = "ml/2024-06-03_week1"
STATS = "stats/2024-06-04_week1"
UNANSWERED = [
    ["10:00:00", "Prof Li", "大家好，能听到吗？"],
    ["10:30:00", "Bo", "为什么 relu 不会梯度消失"],
    ["10:40:00", "Bo", "为什么 relu 不会梯度消失"],
]


# --- the warehouse, built once ----------------------------------------------------------


@pytest.fixture(scope="session")
def built(analytics_built: Paths, tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """The analytics fixture ingested, built and checked for real (a `runs` row included)."""
    return analytics_copy(analytics_built, tmp_path_factory, "report")


@pytest.fixture
def data(built: Paths, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """The shared built data directory as the report's (read-only use only)."""
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(built.data_dir))
    monkeypatch.delenv("CLASSCHAT_PRIVACY", raising=False)
    return built


@pytest.fixture
def data_copy(built: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """A private copy of the built data directory, for tests that change it."""
    paths = Paths(tmp_path / "data")
    shutil.copytree(built.data_dir, paths.data_dir, ignore=shutil.ignore_patterns("lake", ".dbt"))
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(paths.data_dir))
    monkeypatch.delenv("CLASSCHAT_PRIVACY", raising=False)
    return paths


# --- driving the app --------------------------------------------------------------------


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_app(page: str = "overview") -> AppTest:
    """The navigation app, on `page` (each page is a file reports/views/<page>.py)."""
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    if page != "overview":
        at.switch_page(f"views/{page}.py")
        ok(at.run())
    return at


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"views/{page}.py")
    return ok(at.run())


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame(at: AppTest, *columns: str):
    """The first table whose columns include `columns` (tables are found by what they hold)."""
    for df in at.dataframe:
        if set(columns) <= set(df.value.columns):
            return df.value
    raise AssertionError(f"no table with columns {columns}: {[list(d.value.columns) for d in at.dataframe]}")


def box(at: AppTest, name: str):
    """The persistent filter selectbox `name` (see reports.ui.choose)."""
    return at.selectbox(key=f"widget:{name}")


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def shown(markdown: str) -> str:
    """Text as a markdown renderer shows it: data goes through ui.plain, which escapes punctuation."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(ui.WORD_JOINER, "")


def downloads(at: AppTest) -> list[str]:
    return [e.proto.label for e in at.get("download_button")]


def chart_data(at: AppTest, index: int = 0):
    chart = at.get("vega_lite_chart")[index]
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    return frames


def rendered_bytes(at: AppTest) -> bytes:
    """Everything the page sent to the browser: every element's protobuf, sidebar included."""
    return b"".join(node.proto.SerializeToString() for node in at._tree if getattr(node, "proto", None))


# --- every page ---------------------------------------------------------------------------


def test_overview_puts_the_courses_side_by_side(data: Paths) -> None:
    at = open_app()
    assert at.title[0].value == "Overview"
    assert metrics(at) == {
        "Courses": "2",
        "Sessions": "2",
        "Messages": "17",
        "People": "6",
        "Questions": "6",
        "Unanswered": "3",
    }
    courses = frame(at, "course_id", "answered_share")
    assert courses["course_id"].tolist() == ["ml", "stats"]
    assert courses["n_sessions"].tolist() == [1, 1]
    assert courses["n_participants"].tolist() == [5, 2]
    assert courses["answered_share"].tolist() == [40.0, 100.0]  # on screen as whole percentages
    assert courses["median_response_seconds"].tolist() == [335.0, 30.0]
    assert courses["participation_gini"].round(4).tolist() == [0.3143, 0.1667]
    trend = frame(at, "session_id", "answered_share")
    assert trend["session_id"].tolist() == [ML, STATS]
    assert trend["answered_share"].tolist() == [40.0, 100.0]
    assert len(at.get("vega_lite_chart")) == 2  # side by side, over the term


def test_course_page_shows_sessions_and_who_carries_the_chat(data: Paths) -> None:
    at = open_app("course")
    assert box(at, "course").value == "ml"
    assert metrics(at) == {
        "Sessions": "1",
        "People": "5",
        "Messages / session": "14.0",
        "Questions / session": "5.0",
        "Answered": "40%",
        "Median response": "5 min 35 s",
        "Gini": "0.31",
    }
    sessions = frame(at, "session_id", "n_unanswered_questions")
    assert sessions["session_id"].tolist() == [ML]
    assert sessions[
        ["n_messages", "n_participants", "n_questions", "n_unanswered_questions"]
    ].values.tolist() == [[14, 5, 5, 3]]
    people = frame(at, "display_name", "sessions_silent")
    assert sorted(zip(people["display_name"], people["n_messages"], people["sessions_silent"])) == [
        ("Ann", 5, 0),
        ("Bo", 4, 0),
        ("Cy", 1, 0),
        ("Dan", 1, 0),
        ("Prof Li", 3, 0),
    ]
    # 5 people, the top tenth is Ann alone with 5 of 14 messages; Ann and Bo sent half
    assert "5 people wrote in this course" in captions(at)
    assert "(1 person) sent 36% of the messages; 2 people sent half of them" in captions(at)

    box(at, "course").select("stats").run()
    ok(at)
    assert metrics(at)["Answered"] == "100%" and metrics(at)["Median response"] == "30 s"
    people = frame(at, "display_name", "sessions_silent")
    assert sorted(people["display_name"]) == ["Ann", "Eve"]


def test_session_page_shows_figures_peaks_and_questions(data: Paths) -> None:
    at = open_app("session")
    assert box(at, "course").value == "ml" and box(at, "session").value == ML
    assert at.title[0].value == "2024-06-03 · week1"
    assert metrics(at) == {
        "Messages": "14",
        "Participants": "5",
        "Questions": "5",
        "Unanswered": "3",
        "Median response": "5 min 35 s",
        "Duration": "45 min",
        "Busiest minute": "10:00",
        "Longest silence": "10 min",
        "Gini": "0.31",
        "Tech issues": "1",
    }
    # the unanswered questions, in chat order
    unanswered = frame(at, "asker", "asked_again")
    assert unanswered[["time", "asker", "question"]].values.tolist() == UNANSWERED
    assert unanswered["asked_again"].tolist() == [False, True, False]
    questions = frame(at, "status", "answerer")
    assert questions["status"].tolist() == ["unanswered", "answered", "answered", "unanswered", "unanswered"]
    answered = questions[questions["status"] == "answered"]
    assert answered[["question", "answerer", "answer_source", "response_seconds"]].values.tolist() == [
        ["什么是梯度消失？", "Prof Li", "instructor", 70],
        ["how do we pick the learning rate?", "Prof Li", "instructor", 600],
    ]
    # beside each answer link: its score and the evidence behind it, in words (docs/answers.md)
    assert answered["answer_score"].notna().all() and (answered["answer_score"] >= 2).all()
    first, second = answered["answer_evidence"].tolist()
    assert "shares words with the question" in first and "written by staff" in first
    assert "addresses the asker" in second and "against: more than a few minutes later" in second
    assert questions.loc[questions["status"] == "unanswered", "answer_evidence"].isna().all()
    # one peak, at 10:00, and what was being asked then
    peaks = frame(at, "minute", "question")
    assert peaks.values.tolist() == [["10:00", 3, 1, 3, "大家好，能听到吗？", "1 / 有"]]
    minutes = chart_data(at, 0)[0]
    assert len(minutes) == 46 and minutes["n_messages"].sum() == 14
    assert minutes.loc[minutes["is_peak"], "minute"].tolist() == ["10:00"]
    assert minutes.loc[minutes["is_peak"], "asked"].tolist() == ["大家好，能听到吗？"]
    # topics, tech trouble, participants, messages
    topics = frame(at, "term", "n_questions")
    assert topics[["term", "n_questions"]].values.tolist() == [["梯度消失", 3], ["relu", 2]]
    tech = frame(at, "sender_name", "body")
    assert tech[["time", "sender_name", "body"]].values.tolist() == [["10:40:20", "Dan", "听不到了"]]
    people = frame(at, "display_name", "message_share")
    assert people[["display_name", "n_messages"]].values.tolist() == [
        ["Ann", 5],
        ["Bo", 4],
        ["Prof Li", 3],
        ["Cy", 1],
        ["Dan", 1],
    ]
    assert len(frame(at, "seq", "intent", "body")) == 14


def test_session_messages_are_searchable(data: Paths) -> None:
    at = open_app("session")
    at.text_input(key="session:search").input("梯度").run()
    ok(at)
    found = frame(at, "seq", "intent", "body")
    assert found["body"].tolist() == [
        "什么是梯度消失？",
        "梯度在反向传播时越来越小",
        "为什么 relu 不会梯度消失",
        "为什么 relu 不会梯度消失",
    ]
    assert "4 of 14 messages" in captions(at)
    at.text_input(key="session:search").input("prof li").run()  # a name finds the sender's messages
    assert len(frame(ok(at), "seq", "intent", "body")) == 3


def test_people_page_follows_one_person_across_courses(data: Paths) -> None:
    at = open_app("people")
    person = box(at, "person")
    assert person.options[0].startswith("Ann · student · ml, stats (7 messages)")
    assert metrics(at) == {
        "Courses": "2",
        "Sessions": "2",
        "Messages": "7",
        "Questions": "1",
        "Answers given": "1",
    }
    per = frame(at, "course_id", "message_share")
    assert per[["course_id", "n_messages", "n_questions", "n_answers"]].values.tolist() == [
        ["ml", 5, 1, 0],
        ["stats", 2, 0, 1],
    ]
    asked = frame(at, "question", "status")
    assert asked[["question", "status", "answerer"]].values.tolist() == [
        ["什么是梯度消失？", "answered", "Prof Li"]
    ]

    person.select_index(next(i for i, o in enumerate(person.options) if o.startswith("Prof Li"))).run()
    ok(at)
    assert metrics(at)["Messages"] == "3" and metrics(at)["Answers given"] == "2"
    assert at.header[0].value == "Prof Li"


def test_without_attendance_reports_pages_say_what_one_would_add(data: Paths) -> None:
    """The fixture has no participants report: the pages work as before (no attendance figures) and say
    what a report would add and where it goes (tests/test_attendance.py shows the figures with reports)."""
    would_add = "would add who attended and for how long, and who attended but never wrote (silent attendees)"
    at = open_app("course")
    assert "Attendees / session" not in metrics(at)
    assert "No Zoom participants report for this course: one per session, saved in `raw/ml/`" in captions(at)
    assert would_add in captions(at)
    at = go(at, "session")
    assert "Attendees" not in metrics(at)
    assert f"saved beside its chat as `raw/{ML}.csv`, it {would_add}" in captions(at)
    at = go(at, "people")
    assert "Sessions attended" not in metrics(at)
    assert "No Zoom participants report for this person's sessions" in captions(at)
    at = go(at, "attendance")
    assert would_add in at.info[0].value


def test_quality_page_shows_checks_passed_and_files_landed(data: Paths) -> None:
    at = open_app("quality")
    from classchat.expectations.suites import SUITES

    names = sorted(s.name for s in SUITES)  # one suite per mart, and any added later
    assert {"courses", "messages", "session_minutes", "sessions", "users"} <= set(names)
    assert any(f"All {len(names)} suites passed" in s.value for s in at.success)
    suites = frame(at, "suite", "status", "failed_critical")
    assert sorted(suites["suite"]) == names
    assert set(suites["status"]) == {"passed"}
    assert (suites["failed"] == 0).all() and (suites["expectations"] > 0).all()
    results = frame(at, "expectation", "success")
    assert len(results) == suites["expectations"].sum() and results["success"].all()
    files = frame(at, "source_file", "status", "n_rejected_lines")
    assert files[["source_file", "status", "n_messages"]].values.tolist() == [
        ["ml/2024-06-03_week1.txt", "landed", 14],
        ["stats/2024-06-04_week1.txt", "landed", 3],
    ]
    assert metrics(at) == {"landed": "2", "duplicate": "0", "failed": "0", "needs date": "0", "quarantined": "0"}
    assert "None: every file has a date." in captions(at)
    assert "None: every line of every landed file is in a message." in captions(at)
    runs = frame(at, "run_id", "outcome")
    assert runs["outcome"].tolist()[0] == "success"


def test_quality_page_lists_rejected_lines_and_files_waiting_for_a_date(tmp_path: Path, monkeypatch) -> None:
    # a tiny warehouse with the tables the page reads (the real stages are covered above)
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CLASSCHAT_PRIVACY", raising=False)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        con.execute("create table sessions (session_id varchar, course_id varchar, session_date date)")
        con.execute(
            "create table ingested_files as select * from (values "
            "('c/2024-01-01.txt', 'landed', null::varchar, 'plain', 'utf-8', 'c/2024-01-01', 3, 2, 1, "
            " null::timestamp, 0.5::double, true),"
            "('c/notes.txt', 'needs_date', 'no date in the file name', null, 'utf-8', null, 5, 0, 0, null, null, false),"
            "('c/x.bin', 'failed', 'binary file', null, null, null, 0, 0, 0, null, null, false)) "
            "t(source_file, status, reason, layout, encoding, session_id, n_lines, n_messages, "
            " n_rejected_lines, ingested_at, layout_fit, poor_fit)"
        )
        con.execute(
            "create table rejected_lines as select * from (values "
            "('c/2024-01-01.txt', 2, 'garbage ~~', 'no timestamp')) t(source_file, line_no, raw_text, reason)"
        )
    finally:
        con.close()
    at = open_app("quality")
    assert any("checks have not run" in i.value for i in at.info)
    assert metrics(at) == {"landed": "1", "duplicate": "0", "failed": "1", "needs date": "1", "quarantined": "0"}
    assert frame(at, "source_file", "status")["status"].tolist()[:2] == ["failed", "needs_date"]
    waiting = [df.value for df in at.dataframe if list(df.value.columns) == ["source_file", "reason"]][0]
    assert waiting.values.tolist() == [["c/notes.txt", "no date in the file name"]]
    assert any("not in the report because their date is unknown" in w.value for w in at.warning)
    poor = [df.value for df in at.dataframe if "layout_fit" in df.value.columns and len(df.value.columns) == 4][0]
    assert poor["source_file"].tolist() == ["c/2024-01-01.txt"]
    assert any("do not read the way their layout expects" in w.value for w in at.warning)
    assert frame(at, "reason", "n_files").values.tolist() == [["no timestamp", 1, 1]]
    assert frame(at, "line_no", "raw_text").values.tolist() == [
        ["c/2024-01-01.txt", 2, "no timestamp", "garbage ~~"]
    ]
    assert "records no runs" in captions(at)


def test_queries_page_runs_a_named_query(data: Paths) -> None:
    at = open_app("queries")
    query = box(at, "query")
    assert "Unanswered questions of a course" in query.options
    query.select("unanswered_questions").run()
    ok(at)
    assert at.selectbox(key="query:unanswered_questions:course").value == "ml"
    assert any("from messages" in c.value for c in at.code)
    result = frame(at, "asker", "question")
    assert result["question"].tolist() == [q for _, _, q in UNANSWERED]
    assert result["asker"].tolist() == [a for _, a, _ in UNANSWERED]
    assert "query unanswered_questions; course=ml limit=200; run " in shown(captions(at))  # escaped: plain text
    assert "classchat query unanswered_questions --param course=ml --param limit=200" in captions(at)
    assert "Download CSV" in downloads(at)

    at.number_input(key="query:unanswered_questions:limit").set_value(1).run()
    assert len(frame(ok(at), "asker", "question")) == 1


def test_chosen_course_and_session_persist_across_pages(data: Paths) -> None:
    at = open_app("course")
    box(at, "course").select("stats").run()
    ok(at)
    go(at, "session")
    assert box(at, "course").value == "stats" and box(at, "session").value == STATS
    assert metrics(at)["Messages"] == "3"
    go(at, "overview")
    go(at, "people")  # people default to the chosen course's
    assert box(at, "people_course").value == "stats"
    assert sorted(o.split(" · ")[0] for o in box(at, "person").options) == ["Ann", "Eve"]
    go(at, "queries")
    box(at, "query").select("peak_minutes").run()
    assert ok(at).selectbox(key="query:peak_minutes:session").value == STATS
    go(at, "course")
    assert box(at, "course").value == "stats"
    assert metrics(at)["Sessions"] == "1" and metrics(at)["Median response"] == "30 s"


def test_every_table_has_a_csv_download(data: Paths) -> None:
    for page in PAGES:
        at = open_app(page)
        tables = len(at.dataframe)
        csvs = [d for d in downloads(at) if d == "Download CSV"]
        assert tables and len(csvs) == tables, (page, tables, downloads(at))
    text = ui.csv_bytes(frame(open_app("session"), "asker", "asked_again"))
    assert text.startswith("\ufefftime,asker,role,question,asked_again\n".encode())
    assert "大家好，能听到吗？".encode() in text


def test_pseudonymous_mode_shows_no_names(data: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    from classchat.pseudonymise import publish_pseudonymous

    publish_pseudonymous(data.data_dir, data.warehouse, data.pseudonymous_warehouse)  # as the pipeline does
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "pseudonymous")
    at = open_app()
    seen = rendered_bytes(at)
    for page in PAGES[1:]:
        seen += rendered_bytes(go(at, page))
    box(at, "query").select("unanswered_questions").run()
    seen += rendered_bytes(ok(at))
    go(at, "people")
    person = box(at, "person")
    for i in range(len(person.options)):
        person.select_index(i).run()
        seen += rendered_bytes(ok(at))
    go(at, "session")
    at.text_input(key="session:search").input("Cy").run()  # a name searched for is not found
    seen += rendered_bytes(ok(at))
    assert len(frame(at, "seq", "intent", "body")) == 0

    for real in ("Prof Li", "Bo (Laptop)", "@Cy"):
        assert real.encode() not in seen, real
    assert b"P-" in seen
    # the same person has the same pseudonym everywhere; @mentions are replaced too
    at.text_input(key="session:search").input("").run()
    messages = frame(at, "seq", "intent", "body")
    li = messages.loc[messages["seq"] == 1, "sender_name"].item()
    assert li.startswith("P-") and messages.loc[messages["seq"] == 6, "sender_name"].item() == li
    cy = messages.loc[messages["seq"] == 7, "sender_name"].item()
    assert messages.loc[messages["seq"] == 9, "body"].item() == f"@{cy} start with 0.001"


def test_sidebar_names_the_run_and_the_docs(data_copy: Paths) -> None:
    run_id = db.query(data_copy.warehouse, "select run_id from runs order by ended_at desc limit 1")[
        "run_id"
    ].item()
    at = open_app("session")
    sidebar = "\n".join(c.value for c in at.sidebar.caption)
    assert f"Figures from run `{run_id}` · `classchat check`" in sidebar and "success" in sidebar
    docs = "\n".join(m.value for m in at.sidebar.markdown)
    gx = data_copy.data_dir / "quality/gx/uncommitted/data_docs/local_site/index.html"
    assert gx.is_file() and str(gx) in docs
    assert "dbt docs not built yet" in docs and "Download the dbt docs (one HTML file)" not in downloads(at)

    site = data_copy.data_dir / "docs" / "dbt"
    site.mkdir(parents=True)
    (site / "static_index.html").write_text("<html>docs</html>", encoding="utf-8")
    at = open_app("session")
    assert "Download the dbt docs (one HTML file)" in downloads(at)


def test_without_a_runs_table_the_sidebar_says_so(data_copy: Paths) -> None:
    con = duckdb.connect(str(data_copy.warehouse))
    try:
        con.execute("drop table runs")
    finally:
        con.close()
    at = open_app()
    assert "(it records no runs)" in "\n".join(c.value for c in at.sidebar.caption)
    assert "records no runs" in captions(go(at, "quality"))


def test_no_warehouse_says_how_to_build_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "pseudonymous")
    for page in ("overview", "session", "queries"):
        at = open_app(page)
        assert len(at.info) == 1
        assert "classchat run" in at.info[0].value
        assert str(tmp_path / "empty" / "warehouse.pseudonymous.duckdb") in at.info[0].value  # the file read
        assert not at.metric and not at.selectbox and not at.dataframe
    assert not (tmp_path / "empty").exists()  # no key file, no data directory made


def test_unknown_privacy_setting_shows_nothing(data: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "anonymous")
    at = open_app()
    assert len(at.error) == 1 and "privacy setting is not valid" in at.error[0].value
    assert not at.dataframe and not at.metric


def test_rebuilt_warehouse_is_not_served_from_cache(data_copy: Paths) -> None:
    at = open_app("session")
    assert metrics(at)["Messages"] == "14"
    warehouse = data_copy.warehouse
    before = os.stat(warehouse).st_mtime_ns
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("update sessions set n_messages = 99 where session_id = ?", [ML])
    finally:
        con.close()
    # A real rebuild is seconds later; make sure the stamp moves even on coarse-mtime file systems.
    after = max(os.stat(warehouse).st_mtime_ns, before + 1_000_000_000)
    os.utime(warehouse, ns=(after, after))
    at.run()
    assert metrics(ok(at))["Messages"] == "99"


def test_warehouse_being_rebuilt_shows_a_warning(data_copy: Paths) -> None:
    warehouse = data_copy.warehouse
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE_LOCK, str(warehouse)],
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(db.WarehouseBusy, match="being written by another process"):
            db.query(warehouse, "select 1")
        for page in ("overview", "session"):
            at = open_app(page)
            assert len(at.warning) == 1 and "being rebuilt" in at.warning[0].value
            assert not at.metric
    finally:
        holder.communicate("")  # closing stdin lets the writer finish
    assert db.query(warehouse, "select count(*) as n from sessions")["n"].tolist() == [2]


# Holds the warehouse's write lock (as `classchat run` does) until its stdin closes.
HOLD_WRITE_LOCK = (
    "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); sys.stdin.read()"
)


def test_warehouse_without_the_marts_shows_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(tmp_path))
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
    at = open_app()
    assert len(at.error) == 1 and "no `sessions` table" in at.error[0].value


def test_warehouse_without_sessions_says_so(data_copy: Paths) -> None:
    con = duckdb.connect(str(data_copy.warehouse))
    try:
        con.execute("delete from sessions")
    finally:
        con.close()
    for page in ("overview", "course", "session", "people"):
        at = open_app(page)
        assert len(at.info) == 1 and "no sessions yet" in at.info[0].value, page


# --- how fast the pages are (reported, not asserted) ----------------------------------------


# --- reports.db -----------------------------------------------------------------------------


def test_query_binds_parameters_and_returns_a_dataframe(data: Paths) -> None:
    wh = data.warehouse
    df = db.query(wh, "select count(*) as n from messages where session_id = ?", [STATS])
    assert df["n"].tolist() == [3]
    df = db.query(wh, "select count(*) as n from messages where sender_name = $name", {"name": "Eve"})
    assert df["n"].tolist() == [1]
    # a hostile value is data, not SQL
    df = db.query(wh, "select count(*) as n from messages where session_id = ?", ["x' or '1'='1"])
    assert df["n"].tolist() == [0]


def test_query_cannot_read_files_outside_the_warehouse(data: Paths) -> None:
    with pytest.raises(duckdb.PermissionException):
        db.query(data.warehouse, "select * from read_text('/etc/passwd')")
    with pytest.raises(duckdb.PermissionException):
        db.query(data.warehouse, "select * from read_csv('/etc/passwd')")
    with pytest.raises(duckdb.PermissionException):
        db.query(data.warehouse, f"select * from read_parquet('{data.lake_messages}/**/*.parquet')")


def test_query_cannot_write_files(data: Paths, tmp_path: Path) -> None:
    with pytest.raises(duckdb.PermissionException):
        db.query(data.warehouse, "COPY messages TO '/tmp/x.csv'")
    target = tmp_path / "x.csv"
    with pytest.raises(duckdb.PermissionException):
        db.query(data.warehouse, f"COPY messages TO '{target}'")
    assert not target.exists()


def test_query_cannot_loosen_the_lock_down_or_write_the_warehouse(data: Paths) -> None:
    wh = data.warehouse
    with pytest.raises(duckdb.Error):
        db.query(wh, "SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        db.query(wh, "SET allowed_directories = ['/']")
    with pytest.raises(duckdb.Error):
        db.query(wh, "delete from messages")
    assert db.query(wh, "select count(*) as n from messages")["n"].tolist() == [17]


def test_query_without_a_warehouse_says_how_to_build_one(tmp_path: Path) -> None:
    missing = tmp_path / "warehouse.duckdb"
    with pytest.raises(db.WarehouseMissing, match="run `classchat run` first") as info:
        db.query(missing, "select 1")
    assert str(missing) in str(info.value)
    assert not missing.exists()


# --- reports.ui helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "—"), (0, "0 s"), (42, "42 s"), (60, "1 min"), (335, "5 min 35 s"), (3900, "1 h 05 min")],
)
def test_seconds_read_as_minutes_and_seconds(seconds, shown) -> None:
    assert ui.fmt_seconds(seconds) == shown


# --- polish (issue 12): labels for people, "—" for missing, shares as percentages ---------------------

RAW_HEADER = re.compile(r"_|^n$")


@pytest.mark.parametrize("page", ["overview", "course", "session", "people", "quality", "queries"])
def test_every_table_has_labels_for_people_and_a_dash_for_missing(data: Paths, page: str) -> None:
    """No table shows a warehouse name (`peak_minute`, `n_questions`, `course_id`) as its header;
    a missing value reads "—"; a share column reads as a percentage."""
    at = open_app(page)
    assert at.dataframe, page
    for df in at.dataframe:
        config = json.loads(df.proto.columns or "{}")
        assert df.proto.placeholder == "—", page
        for column in df.value.columns:
            c = config.get(column) or {}
            if c.get("hidden"):
                continue
            label = c.get("label") or column
            assert not RAW_HEADER.search(label), f"{page}: column {column} shows as {label!r}"
            if column.endswith("share"):  # 0.4 shows as 40%: the value times 100, printed with a % sign
                assert c.get("type_config", {}).get("format") == "%.0f%%", f"{page}: {column} {c}"
