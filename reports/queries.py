"""Named, reproducible SQL queries over the warehouse (`reports/queries/*.sql`).

This module owns running them: a named query (its file and parameters read by
`reports.query_library`) or ad-hoc SQL through the read-only, locked-down connection of
`reports.db` on the file the privacy setting allows, naming the run the
warehouse came from, and writing a result as a table, CSV, JSON or Parquet.
Every query runs under limits (`reports.db.Limits`; defaults in
`reports.db.LIMITS`): a time limit and a memory limit stop it with
`db.LimitExceeded`, and a result longer than the row cap is cut to the cap
and marked as cut (`attrs["classchat"]["cut"]`, `cut_note()`). CSV is
written by one function, `csv_text()`, also used by the report's download
buttons: a text cell starting with = + - @, tab or CR gets a leading ' so a
spreadsheet shows it instead of running it (OWASP, CSV injection).
It does not parse command lines; `classchat/cli.py` and `reports/app.py` call it.

The query files, their header format and their parameters are
`reports.query_library`'s; writing results is `reports.query_output`'s. Both
are re-exported here, the one module callers import.

Results are pandas DataFrames. DATE columns come back as `datetime.date`
values; `df.attrs["classchat"]` names the query, the bound parameters and the
run that built the warehouse (the latest row of the warehouse's `runs` table,
when the warehouse has one). In pseudonymous mode (a `Privacy`, else
$CLASSCHAT_PRIVACY) every query, named or ad hoc, runs on the pseudonymous
warehouse alone (`reports.db.warehouse_for`), which holds no real name: names,
person ids, @mentions and names in text are pseudonyms there already
(docs/privacy.md), whatever the SQL selects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from classchat.reports import db
from classchat.reports.privacy import Privacy

from classchat.reports.query_library import (  # noqa: F401
    QUERIES_DIR,
    TYPES,
    NamedQuery,
    Param,
    bind,
    convert,
    get_query,
    list_queries,
    literal,
    parse_assignments,
    parse_query,
)
from classchat.reports.query_output import (  # noqa: F401
    FORMATS,
    QueryError,
    _jsonable,
    csv_cell,
    csv_text,
    format_table,
    neutralise,
    render,
    write_result,
)

# --- running ------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    """The run that built the warehouse, from its `runs` table."""

    run_id: str
    started_at: Any
    ended_at: Any
    outcome: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": _jsonable(self.started_at),
            "ended_at": _jsonable(self.ended_at),
            "outcome": _jsonable(self.outcome),
        }


def _run_info(con: duckdb.DuckDBPyConnection) -> RunInfo | None:
    run = db.read_latest_run(con)
    if run is None:
        return None
    return RunInfo(str(run["run_id"]), run.get("started_at"), run.get("ended_at"), run.get("outcome"))


def latest_run(warehouse: Path | str, limits: db.Limits = db.LIMITS) -> RunInfo | None:
    """The latest run recorded in the warehouse, or None (no `runs` table, or empty)."""
    con = db.connect(warehouse, limits)
    try:
        return _run_info(con)
    finally:
        con.close()


def _execute(
    warehouse: Path | str, sql: str, params: Mapping[str, Any] | None, limits: db.Limits
) -> tuple[pd.DataFrame, RunInfo | None, bool]:
    """Run `sql` and read the run from one connection (so both see the same warehouse file).

    The connection is `reports.db.connect()`'s: read-only, external access off,
    no temp directory, configuration locked, `limits` applied (time, memory,
    rows: `reports.db.run_limited`); it is closed before returning. The third
    value says whether the result was cut at the row cap.
    """
    con = db.connect(warehouse, limits)
    try:
        run = _run_info(con)  # first: a result cut at the row cap leaves the connection busy
        frame, description, cut = db.run_limited(con, sql, dict(params) if params else None, limits)
    finally:
        con.close()
    for column, type_code, *_ in description:
        if str(type_code) == "DATE" and column in frame.columns:
            frame[column] = pd.Series(
                [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[column]],
                index=frame.index,
                dtype=object,
            )
    return frame, run, cut


def _limits_meta(limits: db.Limits, cut: bool) -> dict[str, Any]:
    return {"max_rows": limits.max_rows, "cut": cut}


def run_query(
    warehouse: Path | str,
    name: str,
    raw_params: Mapping[str, Any] | None = None,
    privacy: Privacy | None = None,
    directory: Path | None = None,
    limits: db.Limits = db.LIMITS,
) -> pd.DataFrame:
    """Run the named query with its parameters bound, on the file `privacy` allows (`db.warehouse_for`).

    Runs under `limits` (time, memory, row cap; defaults `reports.db.LIMITS`):
    a result longer than the row cap is cut, and `attrs["classchat"]["cut"]`
    says so (`cut_note()` words it). Raises `QueryError` (unknown query, bad
    parameters), `db.WarehouseMissing`, `db.WarehouseBusy`,
    `db.LimitExceeded` (time or memory limit), or DuckDB's errors.
    """
    query = get_query(name, directory)
    values = bind(query, raw_params)
    target = db.warehouse_for(warehouse, privacy)
    _check_known(target, values, limits)
    frame, run, cut = _execute(target, query.sql, values, limits)
    frame.attrs["classchat"] = {
        "query": query.name,
        "title": query.title,
        "params": {k: _jsonable(v) for k, v in values.items()},
        "run": run.as_dict() if run else None,
        "privacy": privacy.mode if privacy else None,
        **_limits_meta(limits, cut),
    }
    asked = values.get("limit") if "limit" in (raw_params or {}) else None
    if isinstance(asked, int) and 0 < len(frame) < asked:  # a limit asked for and not reached: say so
        frame.attrs["classchat"]["short_of_limit"] = asked
    return frame


# A parameter naming something the warehouse holds: its value must be one of them (a typo must not give
# an empty result that looks like "nothing happened"). name -> the SQL listing the valid values.
KNOWN_VALUES = {
    "course": "select distinct course_id from sessions order by 1",
    "session": "select distinct session_id from sessions order by 1",
}


def _check_known(warehouse: Path, values: Mapping[str, Any], limits: db.Limits) -> None:
    """Raise QueryError naming the valid values when a course or session parameter names none of them."""
    for name, sql in KNOWN_VALUES.items():
        given = values.get(name)
        if given is None or given == "":
            continue
        known = db.query(warehouse, sql, limits=limits).iloc[:, 0].astype(str).tolist()
        if str(given) not in known:
            shown = ", ".join(known[:20]) + (f" … ({len(known)} in all)" if len(known) > 20 else "")
            raise QueryError(f"--param {name}={given!r}: no such {name} in the warehouse; known: {shown or 'none'}")


def run_sql(
    warehouse: Path | str, sql: str, privacy: Privacy | None = None, limits: db.Limits = db.LIMITS
) -> pd.DataFrame:
    """Ad-hoc SQL through the same read-only, locked-down connection (no file access at all).

    `duckdb.PermissionException` for anything that reads or writes files
    (`read_text`, `COPY ... TO`, `ATTACH`, `INSTALL`); DuckDB's errors for writes;
    `db.LimitExceeded` past the time or memory limit; a result longer than the
    row cap is cut and marked as cut, as in `run_query`.
    """
    if not sql or not sql.strip():
        raise QueryError("no SQL given")
    frame, run, cut = _execute(db.warehouse_for(warehouse, privacy), sql, None, limits)
    frame.attrs["classchat"] = {
        "query": None,
        "sql": sql,
        "params": {},
        "run": run.as_dict() if run else None,
        "privacy": privacy.mode if privacy else None,
        **_limits_meta(limits, cut),
    }
    return frame


def cut_note(frame: pd.DataFrame) -> str | None:
    """One line when the result was cut at the row cap, or is shorter than a `limit` given (else None)."""
    meta = frame.attrs.get("classchat") or {}
    if meta.get("short_of_limit"):
        return (
            f"{len(frame):,} rows, fewer than the limit of {meta['short_of_limit']:,} asked for: "
            "that is every row the query finds"
        )
    if not meta.get("cut"):
        return None
    return (
        f"result cut at {meta['max_rows']:,} rows (row cap, --max-rows): more rows matched; "
        "add a LIMIT or a filter, or raise --max-rows"
    )


def list_text(directory: Path | None = None) -> str:
    """What `classchat query --list` prints: every query with its title, description and parameters."""
    return "\n\n".join(q.usage() for q in list_queries(directory)) + "\n"


def provenance(frame: pd.DataFrame) -> str:
    """One line naming what a result is and where it came from, e.g. for stderr or a caption."""
    meta = frame.attrs.get("classchat") or {}
    parts = [f"query {meta['query']}" if meta.get("query") else "ad-hoc SQL"]
    params = meta.get("params") or {}
    if params:
        parts.append(" ".join(f"{k}={'null' if v is None else literal(v)}" for k, v in params.items()))
    run = meta.get("run")
    if run:
        outcome = f", {run['outcome']}" if run.get("outcome") else ""
        parts.append(f"run {run['run_id']} (started {run.get('started_at') or '?'}{outcome})")
    else:
        parts.append("run unknown (the warehouse has no runs table)")
    n = f"{len(frame)} row{'' if len(frame) == 1 else 's'}"
    parts.append(n + (" (cut at the row cap)" if meta.get("cut") else ""))
    return "; ".join(parts)
