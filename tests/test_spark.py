"""The same dbt project on Spark (issue 13): the models ported so far build there from the same lake to
the same rows as on DuckDB, to the last value (floats within 1e-9).

Real Spark (pyspark's local session, as dbt-spark's `session` method runs it) in a child process, so
its JVM ends with the test. Skipped when pyspark or Java is missing, unless CLASSCHAT_REQUIRE_SPARK=1
(CI sets it: there a missing engine fails the test).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import FIXTURES, build_warehouse

from classchat.config import CACHE_DIR_ENV, Paths
from classchat.pipeline_spark import SPARK_MODELS


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
        return "pyspark / dbt-spark are not installed (pip install '.[spark]')"
    if shutil.which("java") is None:
        return "Java is not installed (Debian package openjdk-17-jre-headless)"
    return None


def _skip_or_fail() -> None:
    why = _spark_missing()
    if why:
        if os.environ.get("CLASSCHAT_REQUIRE_SPARK") == "1":
            pytest.fail(f"Spark is required here: {why}")
        pytest.skip(why)


def _tables(spark_tables: Path) -> list[str]:
    return sorted(p.name for p in spark_tables.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _rows_only_in_one(con: duckdb.DuckDBPyConnection, table: str, parquet: Path) -> tuple[int, int, list[str]]:
    """Rows of the DuckDB table missing from Spark's, and the other way round (floats rounded to 1e-9)."""
    con.execute(f"create or replace view spark_rows as select * from read_parquet('{parquet}/*.parquet')")
    # (Spark writes a file with the schema even for an empty table)
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'duck' and table_name = ?",
        [table],
    ).fetchall()
    spark_columns = {r[0] for r in con.execute("describe spark_rows").fetchall()}
    missing = [c for c, _ in columns if c not in spark_columns]

    def value(column: str, kind: str) -> str:
        if kind in ("DOUBLE", "FLOAT") or kind.startswith("DECIMAL"):
            return f'round("{column}"::double, 9)'
        return f'"{column}"::{kind}'

    select = ", ".join(value(c, k) for c, k in columns if c not in missing)
    only_duck = con.execute(
        f"select count(*) from (select {select} from duck.main.{table} except all select {select} from spark_rows)"
    ).fetchone()[0]
    only_spark = con.execute(
        f"select count(*) from (select {select} from spark_rows except all select {select} from duck.main.{table})"
    ).fetchone()[0]
    return only_duck, only_spark, missing


def test_the_ported_models_build_on_spark_to_duckdbs_rows(tmp_path: Path) -> None:
    _skip_or_fail()
    paths = Paths(tmp_path / "data")
    shutil.copytree(FIXTURES / "labels" / "synthetic", paths.raw / "synthetic", ignore=shutil.ignore_patterns("*.csv"))
    build_warehouse(paths)

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault(CACHE_DIR_ENV, str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "-m", "classchat.pipeline_spark", str(paths.data_dir)],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    spark_tables = paths.data_dir / "spark" / "warehouse" / "main.db"
    built = _tables(spark_tables)
    # every ported table model is there (the staging models are views, with no files of their own)
    assert built == sorted(m for m in SPARK_MODELS if m != "staging")
    assert "messages" in built and "int_questions_answered" in built

    con = duckdb.connect()
    con.execute(f"attach '{paths.warehouse}' as duck (read_only)")
    rows = {}
    for table in built:
        n_duck = con.execute(f"select count(*) from duck.main.{table}").fetchone()[0]
        n_spark = con.execute(f"select count(*) from read_parquet('{spark_tables / table}/*.parquet')").fetchone()[0]
        assert n_spark == n_duck, (table, n_duck, n_spark)
        only_duck, only_spark, missing = _rows_only_in_one(con, table, spark_tables / table)
        assert (only_duck, only_spark, missing) == (0, 0, []), table
        rows[table] = n_duck
    # these chats have no attendance reports and no rejected lines; everything else has rows
    assert all(n > 0 for t, n in rows.items() if t not in ("rejected_lines", "attendance_files", "attendance_rejects"))
    # the answer layer is really exercised: questions in both languages, most of them answered
    answered = con.execute(
        "select count(*) filter (where not q.is_unanswered), count(distinct m.language) "
        f"from read_parquet('{spark_tables}/int_questions_answered/*.parquet') as q "
        f"join read_parquet('{spark_tables}/int_messages_classified/*.parquet') as m on q.question_id = m.message_id"
    ).fetchone()
    assert answered[0] >= 40 and answered[1] == 2, answered
