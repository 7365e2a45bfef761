"""The building blocks of the warehouse's expectation suites: severities, the allowed
values of coded columns, the `MartSuite` type, and the expectation groups several suites
share (counts never negative, shares between 0 and 1). The suites themselves are in
`suites.py` (messages, sessions, and the registry `SUITES`) and `mart_suites.py` (users,
session_minutes, courses, totals, attendance).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover - typing only
    import great_expectations as gx

CRITICAL = "critical"
WARNING = "warning"

MESSAGE_KINDS = ("text", "reply", "reaction", "system")
INTENTS = ("question", "answer", "acknowledgement", "roll_call", "tech_issue", "continue_request", "link", "other")
HEX16 = r"^[0-9a-f]{16}$"
# A body line that looks like a message header of any layout: an optional date, a time with seconds (or
# a bracketed one), a separator, a name starting with a letter, a colon within 80 characters. The parser splits or rejects such lines
# (ingest/parse.py); finding one in a body means a file was misread.
GLUED_HEADER = r"(?m)^[ \t]*(?:\d{4}-\d{2}-\d{2}[ \t]+)?(?:\d{1,2}:\d{2}:\d{2}|\[\d{1,2}:\d{2}(?::\d{2})?\])[ \t]+[^\W\d_][^:\n]{0,79}:"


def minutes_spanned(start: str, end: str, engine: str = "duckdb") -> str:
    """SQL for the whole minutes from the minute of `start` to the minute of `end`, in DuckDB's or
    Spark's spelling (the one expression the suites' queries spell differently on the two engines)."""
    span = f"date_trunc('minute', {start}), date_trunc('minute', {end})"
    return f"date_diff('minute', {span})" if engine == "duckdb" else f"timestampdiff(MINUTE, {span})"


@dataclass(frozen=True)
class MartSuite:
    """One suite: its name (= the mart's), the SQL producing its frame, and its expectations.

    `expectations` is a function taking the module `great_expectations.expectations`
    (passed in so that this module never imports GX itself) and returning the
    list of expectation objects.
    """

    name: str
    query: str
    expectations: Callable[[Any], list]
    doc: str = ""
    # True: on an incremental run only rows with landed_at at or after the run's new data are read
    scoped: bool = False
    # True: one row per message or session, keyed by session_id. A failed row-level expectation is blamed
    # on the sessions of its failing rows (the run quarantines them); table-level expectations
    # (row counts) and the other suites (users, courses, totals) are global.
    per_session: bool = False
    # the query in Spark SQL, where DuckDB's spelling does not run there (GX on Spark's marts, issue 13)
    spark_query: str | None = None

    def build_suite(self) -> "gx.ExpectationSuite":
        """The `gx.ExpectationSuite` of this mart (imports Great Expectations)."""
        import great_expectations as gx
        import great_expectations.expectations as gxe

        return gx.ExpectationSuite(name=self.name, expectations=self.expectations(gxe))


def _counts(gxe: Any, columns: tuple[str, ...]) -> list:
    """Each count column is present (not NULL) and never negative."""
    out = []
    for col in columns:
        out.append(
            gxe.ExpectColumnValuesToNotBeNull(
                column=col,
                description=f"{col} is a count: never NULL (0 when there is nothing to count).",
                severity=CRITICAL,
            )
        )
        out.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=col,
                min_value=0,
                description=f"{col} is a count: never negative.",
                severity=CRITICAL,
            )
        )
    return out


# ---------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------

def _shares(gxe: Any, columns: tuple[str, ...]) -> list:
    """Each share or inequality coefficient lies in [0, 1]."""
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column=col,
            min_value=0,
            max_value=1,
            description=f"{col} is a share: between 0 and 1.",
            severity=CRITICAL,
        )
        for col in columns
    ]
