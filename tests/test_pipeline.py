"""End to end: the real `classchat run` (Polars, dbt, DuckDB, GX) on the project's fixtures.

One data directory holds a course per layout plus the plain lecture re-encoded
as GB18030 and UTF-16; the pipeline runs once per test session and the tests
read the marts it built.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import write_layout_courses

from classchat.cli import main
from classchat.config import Paths
from classchat.pipeline import StageError, data_dir_lock

def _sql(paths: Paths, query: str, params=None):
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Paths:
    paths = Paths(tmp_path_factory.mktemp("pipeline") / "data")
    write_layout_courses(paths)
    assert main(["run", "--data-dir", str(paths.data_dir)]) == 0
    return paths


def test_every_layout_lands_with_its_counts(built):
    rows = _sql(
        built,
        """select course_id, count(*), count(distinct sender_name),
                  count(*) filter (where is_private), count(*) filter (where message_kind = 'reaction'),
                  count(*) filter (where message_kind = 'reply'), count(*) filter (where message_kind = 'system')
           from messages group by course_id order by course_id""",
    )
    assert rows == [
        ("bigbluebutton", 6, 5, 0, 0, 0, 1),
        ("enc_gbk", 11, 6, 0, 0, 0, 0),
        ("enc_utf16", 11, 6, 0, 0, 0, 0),
        ("plain", 15, 8, 0, 0, 0, 0),
        ("zoom_2021", 6, 4, 5, 2, 0, 0),
        ("zoom_2025", 4, 4, 1, 0, 1, 0),
        ("zoom_cloud", 8, 5, 0, 1, 1, 0),
        ("zoom_legacy", 6, 6, 1, 0, 0, 0),
    ]
    assert _sql(built, "select count(*) from rejected_lines") == [(1,)]


def test_re_encoded_lecture_gives_the_same_bodies(built):
    bodies = {
        course: [r[0] for r in _sql(built, "select body from messages where course_id = ? order by seq", [course])]
        for course in ("plain", "enc_gbk", "enc_utf16")
    }
    plain = [r[0] for r in _sql(
        built, "select body from messages where source_file = 'plain/2024-05-06_intro_lecture.txt' order by seq")]
    assert bodies["enc_gbk"] == plain == bodies["enc_utf16"]
    encodings = dict(_sql(built, "select course_id, source_encoding from sessions where course_id like 'enc_%'"))
    assert encodings == {"enc_gbk": "gb18030", "enc_utf16": "utf-16"}


def test_sessions_mart(built):
    rows = _sql(
        built,
        """select session_id, session_date, title, source_format, started_at, ended_at,
                  n_messages, n_participants, n_questions
           from sessions where course_id = 'plain' order by session_id""",
    )
    first, night = rows
    assert first[:4] == ("plain/2024-05-06_intro_lecture", first[1], "intro lecture", "plain")
    assert str(first[1]) == "2024-05-06"
    assert (str(first[4]), str(first[5])) == ("2024-05-06 09:58:01", "2024-05-06 10:30:59")
    # can everyone hear me? / relu …？ / 为什么 sigmoid …  (a URL's '?' is not a question)
    assert first[6:] == (11, 6, 3)
    assert (str(night[4]), str(night[5])) == ("2024-05-07 23:50:00", "2024-05-08 00:04:30")
    cloud = _sql(built, "select started_at from sessions where session_id = 'zoom_cloud/GMT20240304-090000_Recording'")
    assert str(cloud[0][0]) == "2024-03-04 09:58:04"  # offset 00:58:04 after a 09:00:00 UTC start


def test_replies_and_reactions_point_at_their_messages(built):
    rows = _sql(
        built,
        """select m.message_kind, target.body
           from messages as m
           join messages as target
             on target.message_id = coalesce(m.reply_to_message_id, m.reaction_to_message_id)
           where m.course_id in ('zoom_2025', 'zoom_2021') order by m.course_id, m.seq""",
    )
    assert rows == [
        ("reaction", "можете включить камеру"),
        ("reaction", "можете включить камеру"),
        ("reply", "Where are people located? I'm in Germany"),
    ]
    assert _sql(built, "select sum(n_collected_reactions) from messages where course_id = 'zoom_2025'") == [(3,)]


def test_users_are_per_course_without_a_roster(built):
    # Mei Lin speaks in plain, enc_gbk and enc_utf16: three people until a roster says otherwise
    assert _sql(built, "select count(*), sum(n_messages) from users where display_name = 'Mei Lin'") == [(3, 9)]
    assert _sql(built, "select count(*) from users") == _sql(
        built, "select count(distinct user_id) from messages")


def test_checks_ran_and_are_stored(built):
    assert (built.quality / "latest.json").exists()
    assert _sql(built, "select count(distinct suite), bool_and(success) from quality_results "
                       "where severity = 'critical'") == [(10, True)]  # 5 marts, attendance (+3), totals


def test_second_run_changes_nothing(built, capsys):
    before = _sql(built, "select message_id, body from messages order by message_id")
    manifest = built.files_manifest.stat().st_mtime_ns
    assert main(["run", "--data-dir", str(built.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "0 file(s) landed" in out and "10 unchanged" in out
    assert built.files_manifest.stat().st_mtime_ns == manifest
    assert _sql(built, "select message_id, body from messages order by message_id") == before


def test_a_second_run_is_refused_while_one_holds_the_lock(built):
    with data_dir_lock(built):
        with pytest.raises(StageError, match="another classchat run"):
            with data_dir_lock(built):
                pass


def test_failed_build_leaves_the_previous_warehouse(built, tmp_path, capsys):
    """A dbt failure must not replace a good warehouse: break the lake, build, compare."""
    import shutil

    copy = Paths(tmp_path / "data")
    shutil.copytree(built.data_dir, copy.data_dir)
    before = _sql(copy, "select count(*) from messages")
    # a landed data file that no longer matches the schema dbt expects
    victim = next(copy.lake_messages.rglob("*.parquet"))
    victim.write_bytes(b"not parquet")
    assert main(["build", "--data-dir", str(copy.data_dir)]) == 1
    reason = capsys.readouterr().err.strip().splitlines()[-1]
    assert reason.startswith("classchat build: dbt build failed: model stg_lake__messages: Invalid Input Error")
    assert victim.name in reason
    assert _sql(copy, "select count(*) from messages") == before
    assert not any(p.name.endswith(".building") for p in copy.data_dir.iterdir())


def _cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "classchat.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_reports_a_missing_raw_folder_in_one_line(tmp_path):
    (tmp_path / "noraw").mkdir()
    r = _cli("ingest", "--data-dir", str(tmp_path / "noraw"))
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0
    assert "no raw folder at" in r.stderr and "noraw" in r.stderr
    r = _cli("ingest", "--data-dir", str(tmp_path / "nowhere"))
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0
    assert "no data directory at" in r.stderr and not (tmp_path / "nowhere").exists()


def test_cli_data_dir_from_environment(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    r = _cli("build", env_extra={"CLASSCHAT_DATA_DIR": str(tmp_path / "elsewhere")})
    assert r.returncode == 1
    assert f"no lake at {tmp_path / 'elsewhere' / 'lake'}" in r.stderr


def test_cli_rejects_an_unknown_format(tmp_path):
    r = _cli("ingest", "--format", "teams", "--data-dir", str(tmp_path))
    assert r.returncode == 2
    assert "invalid choice: 'teams'" in r.stderr


def test_cli_names_a_bad_sessions_csv_line(tmp_path):
    raw = Path(tmp_path / "raw")
    (raw / "c").mkdir(parents=True)
    (raw / "c" / "lecture.txt").write_text("10:00:00\t  a : x\n", encoding="utf-8")
    (raw / "sessions.csv").write_text("file,date\nc/lecture.txt,2024-02-30\n", encoding="utf-8")
    r = _cli("ingest", "--data-dir", str(tmp_path))
    assert r.returncode == 1
    assert "sessions.csv: line 2: date '2024-02-30' is not YYYY-MM-DD" in r.stderr
    (raw / "sessions.csv").write_text("file,date\nc/lecture.txt,2024-02-28\n", encoding="utf-8")
    r = _cli("ingest", "--data-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "1 file(s) landed (1 messages" in r.stdout


def test_runs_are_recorded_with_versions_and_input_hashes(built):
    import json

    rows = _sql(built, "select run_id, command, outcome, n_input_files, classchat_version, duckdb_version, "
                       "inputs_sha256, len(input_files) from runs order by started_at, run_id")
    assert rows, "the run recorded itself"
    first = rows[0]
    assert first[1:4] == ("run", "success", 10)
    assert first[5] == duckdb.__version__
    assert len(first[6]) == 64 and first[7] == 10
    logged = [json.loads(line) for line in (built.data_dir / "runs.jsonl").read_text().splitlines()]
    assert first[0] in {r["run_id"] for r in logged}
    assert all(r["outcome"] == "success" for r in logged)


def test_a_link_to_a_message_of_another_session_fails_dbt_s_test(built, tmp_path):
    """in_same_session (macros/test_in_same_session.sql): answers, replies and reactions stay in their session."""
    import os
    import shutil

    from classchat.config import WAREHOUSE_ENV, offline_environment
    from classchat.pipeline_dbt import _dbt

    copy = Paths(tmp_path / "data")
    shutil.copytree(built.data_dir, copy.data_dir)

    def failing_tests() -> set[str]:
        offline_environment(copy.data_dir)
        os.environ[WAREHOUSE_ENV] = str(copy.warehouse)
        try:
            res = _dbt(copy, ["test", "--select", "test_name:in_same_session"], verbose=False)
        finally:
            os.environ.pop(WAREHOUSE_ENV, None)
        tests = [r for r in res.result.results if str(r.node.resource_type).endswith("test")]
        assert len(tests) == 4  # answered_by, answers, reply_to, reaction_to
        return {r.node.column_name for r in tests if str(r.status).lower() == "fail"}

    assert failing_tests() == set()
    con = duckdb.connect(str(copy.warehouse))
    moved = con.execute(
        "update messages set answers_message_id = (select min(message_id) from messages m "
        "  where m.session_id != messages.session_id) "
        "where message_id = (select min(message_id) from messages where answers_message_id is not null)"
    ).fetchall()
    con.close()
    assert moved == [(1,)]
    assert failing_tests() == {"answers_message_id"}


def test_failed_checks_keep_the_new_warehouse_and_record_the_failure(built, tmp_path, capsys):
    import shutil

    copy = Paths(tmp_path / "data")
    shutil.copytree(built.data_dir, copy.data_dir)
    # a session whose n_messages disagrees with its rows: dbt's tests pass, the GX sessions suite does not
    con = duckdb.connect(str(copy.warehouse))
    con.execute("update sessions set n_messages = n_messages + 1 where session_id = 'plain/2024-05-07_night'")
    con.close()
    assert main(["check", "--data-dir", str(copy.data_dir)]) == 1
    err = capsys.readouterr().err
    assert "suite 'sessions'" in err and "n_message_rows" in err
    assert _sql(copy, "select outcome from runs where command = 'check'") == [("checks_failed",)]
    assert _sql(copy, "select count(*) from quality_results where not success and suite = 'sessions'")[0][0] >= 1


def test_new_and_longer_exports_are_added_incrementally(tmp_path, capsys, monkeypatch):
    from helpers import copy_fixture

    from classchat.config import CACHE_DIR_ENV

    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))  # a machine that never ran this model version
    paths = Paths(tmp_path / "data")
    copy_fixture(paths, "dl101", "plain/2024-05-06_intro_lecture.txt")
    assert main(["run", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "build (full)" in out and "unit_tests" in out  # the rules' unit tests run with a new model version
    night = copy_fixture(paths, "dl101", "plain/2024-05-07_night.txt")
    assert main(["run", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "build (incremental)" in out
    assert re.search(r"messages +ok +\d+ expectations passed; 4 rows", out), out
    assert _sql(paths, "select count(*), count(distinct session_id) from messages") == [(15, 2)]
    # a longer re-export of the night session replaces it, nothing is added twice
    night.write_text(night.read_text(encoding="utf-8") + "00:05:00\t  Ann : bye\n", encoding="utf-8")
    assert main(["run", "--data-dir", str(paths.data_dir)]) == 0
    assert "build (incremental)" in capsys.readouterr().out
    assert _sql(paths, "select session_id, n_messages from sessions order by 1") == [
        ("dl101/2024-05-06_intro_lecture", 11), ("dl101/2024-05-07_night", 5),
    ]
    assert _sql(paths, "select count(*) from messages") == [(16,)]
    assert _sql(paths, "select count(*) from session_minutes where session_id = 'dl101/2024-05-07_night'") == [(16,)]
    # incremental builds leave no work tables behind (dbt-duckdb's Python model temp tables, batch stages)
    assert _sql(paths, "select table_name from duckdb_tables() where contains(table_name, '__')") == []
    # a roster changes who is who in every session: the next build starts over, without the unit tests
    # (they test the rules, which did not change)
    (paths.raw / "roster.csv").write_text("course,display_name,user_key,role\ndl101,Mei Lin,u1,ta\n", encoding="utf-8")
    assert main(["run", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "build (full)" in out and "unit_test" not in out, out
    assert _sql(paths, "select role, n_sessions from users where display_name = 'Mei Lin'") == [("ta", 1)]
    assert main(["run", "--data-dir", str(paths.data_dir)]) == 0
    assert "nothing new to build or check" in capsys.readouterr().out
    # a full refresh of the same model version skips the unit tests (they passed for it) and builds the same
    before = _sql(paths, "select * exclude (landed_at) from messages order by message_id")
    assert main(["build", "--full-refresh", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "build (full)" in out and "unit_test" not in out, out
    assert _sql(paths, "select * exclude (landed_at) from messages order by message_id") == before
    # so does the first build of another data directory on the same machine (its cache)
    other = Paths(tmp_path / "other")
    copy_fixture(other, "dl101", "plain/2024-05-06_intro_lecture.txt")
    assert main(["run", "--data-dir", str(other.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "build (full)" in out and "unit_test" not in out, out


def test_time_basis_and_one_date_per_session(built):
    """A cloud export with a known start (GMT name) has clock times; one without has offsets.
    sessions, messages and ingested_files agree on every session's date."""
    assert dict(_sql(built, "select source_file, time_basis from sessions where course_id = 'zoom_cloud'")) == {
        "zoom_cloud/2024-03-06_space_variant.txt": "offset",
        "zoom_cloud/GMT20240304-090000_Recording.txt": "clock",
    }
    disagree = _sql(
        built,
        """select s.session_id from sessions s join ingested_files f using (session_id)
           join (select session_id, min(cast(sent_at as date)) as d from messages group by 1) m using (session_id)
           where s.session_date != f.session_date or s.session_date != m.d""",
    )
    assert disagree == []
