"""Tests of the Streamlit report (reports/app.py) and its locked-down database access (reports/db.py).

Each test builds a small warehouse in tmp_path with the contract tables
(docs/contract.md): two courses, three sessions, twenty messages with Chinese
text, and runs the page headlessly through Streamlit's AppTest.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from reports import db  # noqa: E402

APP = str(PROJECT_ROOT / "reports" / "app.py")

S_LECTURE = "dl101/2020-03-14_lecture"  # newest dl101 session: the default selection
S_INTRO = "dl101/2020-03-07_intro"
S_ML = "ml201/2020-04-01"

# session_id -> (date, title, started_at, ended_at)
SESSIONS = {
    S_LECTURE: (date(2020, 3, 14), "深度学习导论", datetime(2020, 3, 14, 10, 0), datetime(2020, 3, 14, 10, 9)),
    S_INTRO: (date(2020, 3, 7), "Intro", datetime(2020, 3, 7, 9, 0), datetime(2020, 3, 7, 9, 3)),
    S_ML: (date(2020, 4, 1), "梯度下降", datetime(2020, 4, 1, 14, 0), datetime(2020, 4, 1, 14, 2)),
}

# session_id -> [(HH:MM:SS, sender, body, is_question)]
MESSAGES = {
    S_LECTURE: [
        ("10:00:05", "王老师", "大家好，今天讲反向传播", False),
        ("10:00:40", "Li Wei", "能听到吗？", True),
        ("10:01:10", "张三", "可以听到", False),
        ("10:01:30", "Li Wei", "ok thanks", False),
        ("10:02:00", "Anna", "What is a gradient?", True),
        ("10:02:15", "张三", "梯度就是导数的推广", False),
        ("10:03:00", "Li Wei", "为什么要用链式法则？", True),
        ("10:03:30", "王老师", "好问题，马上讲", False),
        # 10:04 - 10:06: silence
        ("10:07:00", "Anna", "Could you share the slides?\nthe link is broken", True),
        ("10:07:20", "王老师", "稍后发到群里", False),
        ("10:08:00", "张三", "谢谢老师", False),
        ("10:09:00", "Anna", "bye", False),
    ],
    S_INTRO: [
        ("09:00:00", "王老师", "Welcome to DL101", False),
        ("09:00:30", "Li Wei", "hi", False),
        ("09:01:00", "Anna", "Is attendance required?", True),
        ("09:02:00", "王老师", "Yes", False),
        ("09:03:00", "Li Wei", "👍", False),
    ],
    S_ML: [
        ("14:00:00", "陈老师", "开始上课", False),
        ("14:01:00", "小明", "学习率怎么选？", True),
        ("14:02:00", "小红", "batch size 呢？", True),
    ],
}


def _md5_16(*parts: str) -> str:
    return hashlib.md5("|".join(parts).encode()).hexdigest()[:16]


def build_warehouse(path: Path) -> Path:
    """Write warehouse.duckdb with the contract tables messages, sessions and users."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            """
            create table messages (
                message_id varchar, session_id varchar, course_id varchar, user_id varchar,
                sender_name varchar, recipient varchar, is_private boolean, message_kind varchar,
                seq integer, sent_at timestamp, minute_at timestamp, body varchar, is_question boolean,
                source_file varchar, source_line integer
            )"""
        )
        rows = []
        for session_id, msgs in MESSAGES.items():
            course_id = session_id.split("/")[0]
            day = SESSIONS[session_id][0]
            for seq, (hms, sender, body, is_q) in enumerate(msgs, start=1):
                sent_at = datetime.combine(day, datetime.strptime(hms, "%H:%M:%S").time())
                user_id = _md5_16(course_id, sender.lower())
                rows.append(
                    (
                        _md5_16(session_id, str(seq)), session_id, course_id, user_id, sender, "everyone",
                        False, "text", seq, sent_at, sent_at.replace(second=0), body, is_q,
                        session_id.split("/", 1)[1] + ".txt", 2 * seq - 1,
                    )
                )  # fmt: skip
        con.executemany("insert into messages values (" + ", ".join(["?"] * 15) + ")", rows)
        con.execute(
            """
            create table sessions (
                session_id varchar, course_id varchar, session_date date, title varchar,
                source_format varchar, started_at timestamp, ended_at timestamp
            )"""
        )
        con.executemany(
            "insert into sessions values (?, ?, ?, ?, 'plain', ?, ?)",
            [(sid, sid.split("/")[0], d, t, a, b) for sid, (d, t, a, b) in SESSIONS.items()],
        )
        con.execute(
            """
            create or replace table sessions as
            select s.*,
                   date_diff('second', s.started_at, s.ended_at) / 60.0 as duration_minutes,
                   count(m.message_id)::integer as n_messages,
                   count(distinct m.user_id)::integer as n_participants,
                   (count(*) filter (where m.is_question))::integer as n_questions
            from sessions s left join messages m using (session_id)
            group by all
            """
        )
        con.execute(
            """
            create table users as
            select user_id, any_value(course_id) as course_id, any_value(sender_name) as display_name,
                   'unknown' as role, 1 as n_courses, count(distinct session_id)::integer as n_sessions,
                   count(*)::integer as n_messages,
                   (count(*) filter (where is_question))::integer as n_questions,
                   min(sent_at) as first_seen_at, max(sent_at) as last_seen_at
            from messages group by user_id
            """
        )
    finally:
        con.close()
    return path


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(tmp_path))
    return build_warehouse(tmp_path / "warehouse.duckdb")


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# --- the page -------------------------------------------------------------------


def test_default_session_shows_its_figures_questions_and_participants(warehouse: Path) -> None:
    at = run_app()

    assert at.title[0].value == "classchat"
    course_box, session_box = at.sidebar.selectbox
    assert course_box.options == ["dl101 (2 sessions)", "ml201 (1 session)"]
    assert course_box.value == "dl101"
    # newest first, labelled date + title
    assert session_box.options == ["2020-03-14 · 深度学习导论", "2020-03-07 · Intro"]
    assert session_box.value == S_LECTURE

    assert metrics(at) == {"Messages": "12", "Participants": "4", "Questions": "4", "Duration (min)": "9"}

    questions, top = at.dataframe
    assert list(questions.value.columns) == ["time", "sender", "question"]
    assert questions.value.values.tolist() == [
        ["10:00:40", "Li Wei", "能听到吗？"],
        ["10:02:00", "Anna", "What is a gradient?"],
        ["10:03:00", "Li Wei", "为什么要用链式法则？"],
        ["10:07:00", "Anna", "Could you share the slides?\nthe link is broken"],
    ]
    assert top.value.values.tolist() == [
        ["Anna", 3, 2],
        ["Li Wei", 3, 2],
        ["张三", 3, 0],
        ["王老师", 3, 0],
    ]
    assert len(at.get("vega_lite_chart")) == 1


def test_switching_session_and_course_changes_the_figures(warehouse: Path) -> None:
    at = run_app()
    assert metrics(at)["Messages"] == "12"

    at.sidebar.selectbox[1].select(S_INTRO).run()
    assert not at.exception
    assert metrics(at) == {"Messages": "5", "Participants": "3", "Questions": "1", "Duration (min)": "3"}
    assert at.dataframe[0].value.values.tolist() == [["09:01:00", "Anna", "Is attendance required?"]]

    at.sidebar.selectbox[0].select("ml201").run()
    assert not at.exception
    assert at.sidebar.selectbox[1].value == S_ML
    assert metrics(at) == {"Messages": "3", "Participants": "3", "Questions": "2", "Duration (min)": "2"}
    assert [r[2] for r in at.dataframe[0].value.values.tolist()] == ["学习率怎么选？", "batch size 呢？"]


def test_activity_fills_silent_minutes_with_zeros(warehouse: Path) -> None:
    at = run_app()
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["x"]["field"] == "minute_at"
    (dataset,) = chart.proto.datasets
    frame = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
    # every minute from 10:00 to 10:09, the silence 10:04-10:06 as zeros
    assert frame["minute"].tolist() == [f"10:0{i}" for i in range(10)]
    assert frame["messages"].tolist() == [2, 2, 2, 2, 0, 0, 0, 2, 1, 1]
    assert frame["questions"].tolist() == [1, 0, 1, 1, 0, 0, 0, 1, 0, 0]
    assert frame["messages"].sum() == 12


def test_rebuilt_warehouse_is_not_served_from_cache(warehouse: Path) -> None:
    at = run_app()
    assert metrics(at)["Messages"] == "12"

    before = os.stat(warehouse).st_mtime_ns
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("update sessions set n_messages = 99 where session_id = ?", [S_LECTURE])
    finally:
        con.close()
    # A real rebuild is seconds later; make sure the stamp moves even on coarse-mtime file systems.
    after = max(os.stat(warehouse).st_mtime_ns, before + 1_000_000_000)
    os.utime(warehouse, ns=(after, after))

    at.run()
    assert not at.exception
    assert metrics(at)["Messages"] == "99"


def test_no_warehouse_says_how_to_build_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(tmp_path / "empty"))
    at = run_app()
    assert len(at.info) == 1
    assert "classchat run" in at.info[0].value
    assert str(tmp_path / "empty" / "warehouse.duckdb") in at.info[0].value
    assert not at.metric and not at.sidebar.selectbox


# --- reports.db -----------------------------------------------------------------


def test_query_binds_parameters_and_returns_a_dataframe(warehouse: Path) -> None:
    df = db.query(warehouse, "select count(*) as n from messages where session_id = ?", [S_ML])
    assert df["n"].tolist() == [3]
    df = db.query(warehouse, "select count(*) as n from messages where sender_name = $name", {"name": "小明"})
    assert df["n"].tolist() == [1]
    # a hostile value is data, not SQL
    df = db.query(warehouse, "select count(*) as n from messages where session_id = ?", ["x' or '1'='1"])
    assert df["n"].tolist() == [0]


def test_query_cannot_read_files_outside_the_warehouse(warehouse: Path) -> None:
    with pytest.raises(duckdb.PermissionException):
        db.query(warehouse, "select * from read_text('/etc/passwd')")
    with pytest.raises(duckdb.PermissionException):
        db.query(warehouse, "select * from read_csv('/etc/passwd')")


def test_query_cannot_write_files(warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(duckdb.PermissionException):
        db.query(warehouse, "COPY messages TO '/tmp/x.csv'")
    target = tmp_path / "x.csv"
    with pytest.raises(duckdb.PermissionException):
        db.query(warehouse, f"COPY messages TO '{target}'")
    assert not target.exists()


def test_query_cannot_loosen_the_lock_down_or_write_the_warehouse(warehouse: Path) -> None:
    with pytest.raises(duckdb.Error):
        db.query(warehouse, "SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        db.query(warehouse, "SET allowed_directories = ['/']")
    with pytest.raises(duckdb.Error):
        db.query(warehouse, "delete from messages")
    assert db.query(warehouse, "select count(*) as n from messages")["n"].tolist() == [20]


def test_query_without_a_warehouse_says_how_to_build_one(tmp_path: Path) -> None:
    missing = tmp_path / "warehouse.duckdb"
    with pytest.raises(db.WarehouseMissing, match="run `classchat run` first") as info:
        db.query(missing, "select 1")
    assert str(missing) in str(info.value)
    assert not missing.exists()


# --- the page when the warehouse is not usable ----------------------------------


def test_warehouse_being_rebuilt_shows_a_warning(warehouse: Path) -> None:
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
        at = run_app()
        assert len(at.warning) == 1 and "being rebuilt" in at.warning[0].value
        assert not at.metric
    finally:
        holder.communicate("")  # closing stdin lets the writer finish
    assert db.query(warehouse, "select count(*) as n from sessions")["n"].tolist() == [3]


# Holds the warehouse's write lock (as `classchat run` does) until its stdin closes.
HOLD_WRITE_LOCK = (
    "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); sys.stdin.read()"
)


def test_warehouse_without_the_marts_shows_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(tmp_path))
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
    at = run_app()
    assert len(at.error) == 1 and "no `sessions` table" in at.error[0].value


def test_warehouse_without_sessions_says_so(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("delete from sessions")
    finally:
        con.close()
    at = run_app()
    assert len(at.info) == 1 and "no sessions yet" in at.info[0].value
