"""Apache Spark as the engine of the build (issue 13; `pip install 'classchat[spark]'`, Java 17):
`classchat build --engine spark` runs `build_stage` here.

dbt-spark's `session` method runs Spark inside this process: its cursor asks
`SparkSession.builder...getOrCreate()` for every statement. `start_session` creates that session
first, with the configuration of the `spark` output of dbt_project/profiles.yml (the one place for
it), and registers on it the functions the models call that Spark SQL does not have:
`jaro_winkler_similarity`, with the very algorithm DuckDB uses (rapidfuzz's, equal to DuckDB's
built-in to the last digit), and classchat's own (classchat/functions.py: topic terms, name
matching). dbt then finds the session ready. `build_stage` builds and tests every model there and
copies Spark's tables into the DuckDB warehouse that the checks and the report read.

How the models run on both engines, what differs, and what it costs: docs/scaling.md, "Moving to a
distributed engine".
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from classchat.config import DBT_PROJECT_DIR, WAREHOUSE_ENV, Paths, offline_environment
from classchat.functions import register_spark
from classchat.pipeline_dbt import StageError, _count_nodes, _dbt, _dbt_failure

SPARK_TARGET = "spark"


def spark_settings(paths: Paths) -> dict[str, str]:
    """The `server_side_parameters` of the spark output of profiles.yml, rendered for `paths`."""
    import jinja2
    import yaml

    offline_environment(paths.data_dir)
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    params = profile["classchat"]["outputs"][SPARK_TARGET]["server_side_parameters"]
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)

    def env_var(name: str, default: str | None = None) -> str:
        value = os.environ.get(name, default)
        if value is None:
            raise KeyError(f"profiles.yml needs the environment variable {name}")
        return value

    settings = {str(k): env.from_string(str(v)).render(env_var=env_var) for k, v in params.items()}
    # Spark's own log lines off (a plain `dbt run --target spark` keeps Spark's default logging)
    log_config = f"-Dlog4j2.configurationFile={(Path(__file__).parent / 'spark_log4j2.properties').as_uri()}"
    settings["spark.driver.extraJavaOptions"] = f"{settings.get('spark.driver.extraJavaOptions', '')} {log_config}".strip()
    return settings


def jaro_winkler_similarity(a: str | None, b: str | None) -> float | None:
    """DuckDB's jaro_winkler_similarity (null in, null out)."""
    from rapidfuzz.distance import JaroWinkler

    if a is None or b is None:
        return None
    return float(JaroWinkler.similarity(a, b))


def start_session(paths: Paths):
    """The Spark session dbt-spark will use for `paths`, with classchat's functions registered."""
    from pyspark.sql import SparkSession
    from pyspark.sql.types import DoubleType

    (Path(paths.data_dir) / "spark").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the UDFs' workers run this interpreter
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local mode: bind to loopback, look nothing up
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_settings(paths).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    # pyspark 4 also logs every failed statement as a JSON record with the JVM's stack on stderr; the
    # error reaches the user as dbt's one line (pipeline_dbt._dbt_failure), so those loggers stay quiet
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)
    session.udf.register("jaro_winkler_similarity", jaro_winkler_similarity, DoubleType())
    register_spark(session)
    return session


def spark_missing() -> str | None:
    """What the Spark engine lacks on this machine, or None."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
        return "pyspark and dbt-spark: pip install 'classchat[spark]'"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)"
    return None


def _location(session, table: str) -> Path:
    """The local directory of one of Spark's tables (its catalog says where)."""
    rows = session.sql(f"describe table extended main.`{table}`").collect()
    location = next((r[1] for r in rows if r[0] == "Location"), None)
    if not location or not location.startswith("file:"):
        raise StageError(f"Spark table main.{table} is at {location!r}: only a local warehouse can be copied to DuckDB")
    return Path(unquote(urlparse(location).path))


def copy_to_duckdb(session, tables: list[str], warehouse: Path) -> int:
    """Replace `tables` of the DuckDB file `warehouse` by Spark's (read from their Parquet, column types
    kept: the models cast where the engines' defaults differ); returns the rows copied."""
    import duckdb

    rows = 0
    with duckdb.connect(str(warehouse)) as con:
        for table in tables:
            files = (_location(session, table) / "*.parquet").as_posix().replace("'", "''")
            con.execute(f'create or replace table main."{table}" as select * from read_parquet(\'{files}\')')
            rows += con.execute(f'select count(*) from main."{table}"').fetchone()[0]
    return rows


def build_stage(paths: Paths, warehouse: Path, *, verbose: bool = False, say=print):
    """The build stage on Spark: `dbt build --target spark` (every model, as tables, and the data tests)
    over the lake of `paths`, in this process; then the DuckDB file `warehouse` (the pipeline's scratch
    copy) gets Spark's tables, and the staging views in DuckDB's own SQL, so that the checks, the report,
    the export and the named queries read Spark's marts unchanged. dbt's unit tests (the text rules on
    fixed examples) run on DuckDB only: their fixtures are DuckDB literals. Raises StageError with one
    line on failure. Spark's own tables stay in <data dir>/spark/warehouse/main.db. Returns the Spark
    session, for the checks to validate the marts there."""
    if not paths.files_manifest.exists():  # before anything is created in the data directory
        raise StageError(f"nothing to build: no lake at {paths.lake}; run `classchat ingest` first")
    missing = spark_missing()
    if missing:
        raise StageError(f"the Spark engine needs {missing}")
    started = time.perf_counter()
    session = start_session(paths)
    res = _dbt(paths, ["build", "--target", SPARK_TARGET, "--exclude-resource-type", "unit_test"], verbose=verbose,
               target=paths.data_dir / ".dbt" / "target-spark", say=say)
    if not res.success:
        raise StageError(_dbt_failure(res))
    tables = sorted(
        r.node.alias for r in res.result.results
        if str(r.node.resource_type).endswith("model") and r.node.config.materialized != "view"
        and "spark_only" not in r.node.tags  # a step DuckDB does inline (int_answer_pairs): not a table there
    )
    rows = copy_to_duckdb(session, tables, warehouse)
    os.environ[WAREHOUSE_ENV] = str(warehouse)
    try:
        views = _dbt(paths, ["run", "--select", "staging"], verbose=verbose)
    finally:
        os.environ.pop(WAREHOUSE_ENV, None)
    if not views.success:
        raise StageError(_dbt_failure(views))
    say(f"build (spark): {_count_nodes(res)} in {time.perf_counter() - started:.1f} s; "
        f"{len(tables)} tables ({rows:,} rows) copied into the DuckDB warehouse")
    return session



