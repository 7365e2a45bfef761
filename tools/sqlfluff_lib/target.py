"""`target` for sqlfluff's jinja templater (make lint): the models are linted as built on DuckDB."""

type = "duckdb"  # noqa: A001 - dbt's name
name = "dev"
schema = "main"
