"""classchat: a small data warehouse for the chat of online classes.

This package is the thin command layer: `config` owns paths and settings,
`pipeline` runs the stages (ingest -> dbt build -> checks) under one lock,
`provenance` records each run, `files` writes published files atomically,
`cli` is the `classchat` entry point, `demo` writes generated courses, and
`topics` tokenises questions for the `question_topics` mart.
The stages themselves live in the top-level folders `ingest/`,
`dbt_project/`, `expectations/` and `reports/`.
"""

__version__ = "0.1.0"
