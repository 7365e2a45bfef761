"""dbt-duckdb plugin: registers classchat's SQL functions (classchat.functions) on every DuckDB
connection dbt opens. Named in the `plugins` of the dev output of dbt_project/profiles.yml; Spark
registers the same functions in classchat.pipeline_spark."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from classchat.functions import register_duckdb


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        register_duckdb(conn)
