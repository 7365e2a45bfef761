"""Great Expectations checks of the warehouse marts (the `check` stage).

This package owns the data-quality stage: `suites` defines one expectation
suite per mart (messages and sessions there; users, session_minutes, courses,
attendance and the whole-warehouse `totals` in `mart_suites`; shared building
blocks in `suite_base`), as code, each paired with the read-only DuckDB query
whose frame it validates; `runner` runs them with Great Expectations 1.x
(scoped to new rows on incremental runs; large per-session suites in bounded
batches, `batches`; optionally in a `checker.CheckerProcess` whose entry point
is `serve`; on Spark's marts through GX's Spark data source, `spark_reader`),
`results` holds what they found,
writes result JSON (and Data Docs, which `offline_docs` rewrites to load nothing from
the network) under the quality directory, and returns a
`CheckReport`. Importing this package is cheap:
Great Expectations itself is imported only when `run_checks` runs.
"""

from classchat.expectations.results import CheckError, CheckReport, ExpectationOutcome, SuiteResult
from classchat.expectations.runner import run_checks
from classchat.expectations.suites import SUITES, MartSuite

__all__ = [
    "CheckError",
    "CheckReport",
    "ExpectationOutcome",
    "MartSuite",
    "SUITES",
    "SuiteResult",
    "run_checks",
]
