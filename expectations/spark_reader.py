"""A suite's rows from Spark's marts, for Great Expectations' Spark data source (issue 13).

`classchat build --engine spark` builds the marts as tables of Spark's `main` database; the checks
then validate them where they are: the same suites (expectations.suites), each suite's query run by
Spark SQL (its `spark_query` where DuckDB's spelling differs), the frame a Spark DataFrame that GX's
Spark execution engine validates. No batches (expectations.batches bounds pandas' memory; Spark keeps
the rows out of the driver) and no scope (a Spark build is a full build). Owns only the reading; the
runner (expectations.runner) runs the suites. Stage module: the Spark session is handed in, pyspark
is never imported here.
"""

from __future__ import annotations

from typing import Any, Sequence

from classchat.expectations.results import CheckError
from classchat.expectations.suite_base import MartSuite

SPARK_DATABASE = "main"  # where dbt-spark puts the marts (profiles.yml, spark output, schema)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class SparkSuiteReader:
    """The rows of one suite as a Spark DataFrame, reading only the columns its expectations use."""

    def __init__(self, spark: Any, spec: MartSuite, columns: Sequence[str]) -> None:
        self.spark, self.spec = spark, spec
        self.query = spec.spark_query or spec.query
        spark.catalog.setCurrentDatabase(SPARK_DATABASE)
        try:
            available = set(spark.sql(f"select * from ({self.query}) as suite_rows limit 0").columns)
        except Exception as exc:  # pyspark's AnalysisException and friends
            raise CheckError(f"suite '{spec.name}': cannot read its data from Spark: {_first_line(exc)}") from exc
        keep = [c for c in columns if c in available]  # a missing column is left for GX to report
        self.projection = ", ".join(f"`{c}`" for c in keep) if keep else "*"
        self._frame: Any = None

    def __enter__(self) -> "SparkSuiteReader":
        return self

    def __exit__(self, *exc) -> None:
        if self._frame is not None:
            self._frame.unpersist()

    def plan(self, max_rows: int) -> tuple[int, list]:
        """No batches on Spark: the whole suite is one frame."""
        return 0, []

    def frame(self) -> Any:
        """The suite's rows, cached: GX runs a Spark job per expectation, each would run the query again."""
        self._frame = self.spark.sql(f"select {self.projection} from ({self.query}) as suite_rows").cache()
        return self._frame
