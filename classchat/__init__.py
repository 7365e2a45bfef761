"""classchat: a small data warehouse for the chat of online classes.

This package is the thin command layer: `config` owns paths and settings,
`pipeline` runs the stages (ingest -> dbt build -> checks) under one lock (dbt itself
is invoked by `pipeline_dbt`, which also owns the stage error and the crash-test fault points),
`provenance` records each run, `files` writes published files atomically,
`cli` is the `classchat` entry point, `demo` writes generated courses (one
session's chat built by `demo_chat`, words read by `demo_bank` from the data
files of `demo_words/`),
`topics` tokenises questions for the `question_topics` mart, `people` matches
attendance-report names to the roster and the chat (`functions` hands both to the dbt models as
SQL functions, on DuckDB through the dbt-duckdb plugin `dbt_plugin`, on Spark as UDFs), and `pseudonymise` writes
the pseudonymous twin of the warehouse (its parts: `pseudonyms`, the key and
the keyed hashes; `namebook`, finding names in text; `pseudonymise_columns`,
the column kinds and rewriting Arrow batches by them).
The stages live in the repository's top-level folders `ingest/`,
`dbt_project/`, `expectations/` and `reports/`, and are installed as
`classchat.ingest`, `classchat.dbt_project`, `classchat.expectations` and
`classchat.reports` (pyproject.toml's package-dir). In a checkout they are found
beside this folder: the repository root is added to this package's path.
"""

from pathlib import Path as _Path

__version__ = "0.1.0"

_checkout = _Path(__file__).resolve().parent.parent
if not (_Path(__file__).resolve().parent / "ingest").is_dir() and (_checkout / "ingest" / "__init__.py").is_file():
    __path__.append(str(_checkout))  # classchat.ingest -> <checkout>/ingest, and so on
