"""Apache Spark as the engine of the dbt build (issue 13; `pip install 'classchat[spark]'`).

dbt-spark's `session` method runs Spark inside this process: its cursor asks
`SparkSession.builder...getOrCreate()` for every statement. `start_session` creates that session
first, with the configuration of the `spark` output of dbt_project/profiles.yml (the one place for
it), and registers on it the functions the models call that Spark SQL does not have and that a SQL
function cannot define: `jaro_winkler_similarity`, with the very algorithm DuckDB uses (rapidfuzz's,
equal to DuckDB's built-in to the last digit). dbt then finds the session ready.

What builds on Spark so far, and what does not yet: docs/scaling.md, "Moving to a distributed engine".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from classchat.config import DBT_PROJECT_DIR, Paths, offline_environment
from classchat.functions import register_spark
from classchat.pipeline_dbt import StageError, _dbt, _dbt_failure

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
    session.udf.register("jaro_winkler_similarity", jaro_winkler_similarity, DoubleType())
    register_spark(session)
    return session


# The models that build on Spark so far (docs/scaling.md, "Moving to a distributed engine"): the lake's
# staging views, the per-message and answer layers, the marts messages and session_minutes, and the
# marts of files and rejected lines. The rest (the attendance chain, whose name matching runs Python,
# question_topics (jieba), and the marts that read attendance: sessions, users, user_sessions, courses)
# are DuckDB-only until they are moved.
SPARK_MODELS = ("staging", "int_messages_identified", "int_messages_threaded", "int_messages_classified",
                "int_questions_answered", "messages", "session_minutes", "ingested_files", "rejected_lines",
                "attendance_files", "attendance_rejects")


def build(paths: Paths, select: tuple[str, ...] = SPARK_MODELS) -> None:
    """`dbt run --target spark` of `select` over the lake of `paths`, in this process, through the
    pipeline's dbt invocation (classchat.pipeline_dbt); raises StageError with one line on failure.
    Its tables land in <data dir>/spark/warehouse/main.db."""
    if not paths.files_manifest.exists():  # before anything is created in the data directory
        raise StageError(f"nothing to build: no lake at {paths.lake}; run `classchat ingest` first")
    start_session(paths)
    res = _dbt(paths, ["run", "--target", SPARK_TARGET, "--select", *select], verbose=False,
               target=paths.data_dir / ".dbt" / "target-spark")
    if not res.success:
        raise StageError(_dbt_failure(res))


if __name__ == "__main__":  # python -m classchat.pipeline_spark DATA_DIR: build SPARK_MODELS there, exit 1 on failure
    try:
        build(Paths(Path(sys.argv[1]).resolve()))
    except StageError as exc:
        raise SystemExit(f"spark build: {exc}") from None
    print("spark build: ok")
