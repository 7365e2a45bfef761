"""The same dbt project on Spark (issue 13): `classchat build --engine spark` builds every model on Spark
from the same lake, runs dbt's data tests there, validates Spark's marts with the GX suites through
GX's Spark data source, and refreshes the DuckDB warehouse from Spark's tables; every table then equals
DuckDB's own build, row for row and type for type (floats within 1e-9), the named queries read it, and
DuckDB's next incremental run builds on it.

The corpus: the demo courses (chats in English and Chinese, attendance reports, a roster) and the 21
labelled synthetic chats (every answer signal, both languages), plus the real Chinese lecture of
../shared/samples when it is there. Real Spark (pyspark's local session, as dbt-spark's `session`
method runs it) in a child process, so its JVM ends with the test. Skipped when pyspark or Java is
missing, unless CLASSCHAT_REQUIRE_SPARK=1 (CI sets it: there a missing engine fails the test).
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
import pytest
from helpers import FIXTURES, build_warehouse

from classchat.config import CACHE_DIR_ENV, Paths
from classchat.demo import write_demo
from classchat.pipeline_spark import spark_missing

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"


def _skip_or_fail() -> None:
    why = spark_missing()
    if why:
        if os.environ.get("CLASSCHAT_REQUIRE_SPARK") == "1":
            pytest.fail(f"Spark is required here: {why}")
        pytest.skip(why)


def _classchat(data_dir: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "classchat.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, env=env, timeout=1200,
    )


def test_spark_builds_every_table_to_duckdbs_rows_and_the_warehouse_works_on(tmp_path: Path) -> None:
    _skip_or_fail()
    duck = Paths(tmp_path / "duck")
    write_demo(duck.data_dir)
    shutil.copytree(FIXTURES / "labels" / "synthetic", duck.raw / "synthetic", ignore=shutil.ignore_patterns("*.csv"))
    lecture = SAMPLES / "lecture_zh_2020.txt"
    if lecture.exists():
        shutil.copyfile(lecture, duck.raw / "synthetic" / "2020-03-02_lecture_zh.txt")
    build_warehouse(duck)

    # the same lake (same landing times) for Spark
    spark = Paths(tmp_path / "spark")
    shutil.copytree(duck.raw, spark.raw)
    shutil.copytree(duck.lake, spark.lake)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault(CACHE_DIR_ENV, str(tmp_path / "cache"))
    done = _classchat(spark.data_dir, "run", "--engine", "spark", env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "build: on Spark, every model" in done.stdout
    assert "tables (" in done.stdout and "copied into the DuckDB warehouse" in done.stdout
    assert "checks passed" in done.stdout, done.stdout[-2000:]
    # the GX suites validated Spark's marts through GX's Spark data source, every suite with rows
    for suite in ("messages", "sessions", "users", "attendance", "totals"):
        result = (spark.quality / "results" / f"{suite}.json").read_text(encoding="utf-8")
        assert '"datasource_name": "classchat_marts_spark"' in result, suite
    assert re.search(r"messages +ok +\d+ expectations passed; [1-9][\d,]* rows", done.stdout), done.stdout
    # dbt's data tests ran on Spark, and passed
    run_results = json.loads((spark.data_dir / ".dbt" / "target-spark" / "run_results.json").read_text())
    tests = [r for r in run_results["results"] if r["unique_id"].startswith("test.")]
    assert len(tests) >= 60 and all(r["status"] == "pass" for r in tests), [r["unique_id"] for r in tests if r["status"] != "pass"]

    con = duckdb.connect()
    con.execute(f"attach '{duck.warehouse}' as duck (read_only)")
    con.execute(f"attach '{spark.warehouse}' as spark (read_only)")
    sql = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "dbt_project" / "models").rglob("*.sql")
           if "staging" not in p.parts}
    models = sorted(name for name, text in sql.items() if "spark_only" not in text)
    assert len(models) == 18 and "int_answer_pairs" in sql
    # a Spark-only step (DuckDB inlines it) stays out of the DuckDB warehouse
    spark_tables = {r[0] for r in con.execute("select table_name from duckdb_tables() where database_name = 'spark'").fetchall()}
    assert set(models) <= spark_tables and "int_answer_pairs" not in spark_tables
    rows = {}
    for table in models:
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = 'duck' and table_name = ?"
            " order by column_index", [table],
        ).fetchall()
        spark_columns = con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = 'spark' and table_name = ?"
            " order by column_index", [table],
        ).fetchall()
        assert spark_columns == columns, table  # the same columns, in the same order, of the same types

        def value(column: str, kind: str) -> str:
            return f'round("{column}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{column}"'

        select = ", ".join(value(c, k) for c, k in columns)
        only = [
            con.execute(f"select count(*) from (select {select} from {a}.main.{table} "
                        f"except all select {select} from {b}.main.{table})").fetchone()[0]
            for a, b in (("duck", "spark"), ("spark", "duck"))
        ]
        assert only == [0, 0], (table, only)
        rows[table] = con.execute(f"select count(*) from spark.main.{table}").fetchone()[0]
    # every table has rows (this corpus has no rejected lines), so the comparison compared something
    assert all(n > 0 for t, n in rows.items() if t not in ("rejected_lines", "attendance_rejects")), rows
    assert rows["attendance"] > 100 and rows["question_topics"] > 50 and rows["name_matches"] > 50, rows
    # the answer layer is really exercised: questions in both languages, most of them answered
    answered = con.execute(
        "select count(*) filter (where not q.is_unanswered), count(distinct m.language) "
        "from spark.main.int_questions_answered as q "
        "join spark.main.int_messages_classified as m on q.question_id = m.message_id"
    ).fetchone()
    assert answered[0] >= 100 and answered[1] == 2, answered
    con.close()

    # the report's named queries read the refreshed warehouse
    listed = _classchat(spark.data_dir, "query", "course_comparison", env=env)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) >= 3, listed.stdout + listed.stderr
    # and DuckDB's next incremental run builds on Spark's tables (the same schemas: no schema change)
    chat = sorted(spark.raw.glob("*/*.txt"))[0]
    (chat.parent / "2031-01-01_one-more.txt").write_text(
        chat.read_text(encoding="utf-8").replace(" : ", " : +1", 1), encoding="utf-8"
    )
    again = _classchat(spark.data_dir, "run", env=env)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "build (incremental)" in again.stdout, again.stdout


def test_the_spark_engine_without_java_says_so_and_touches_nothing(tmp_path: Path) -> None:
    """No Java: one line naming what to install, before anything is landed or created."""
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)  # no java on it (the interpreter is called by its full path)
    data = tmp_path / "not-yet"
    done = _classchat(data, "run", "--engine", "spark", env=env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]  # one line
    assert "classchat run: the Spark engine needs" in done.stderr
    assert ("Java 17" in done.stderr) or ("pip install 'classchat[spark]'" in done.stderr)
    assert not data.exists()
