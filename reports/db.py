"""Locked-down, read-only access to the warehouse for the report and ad-hoc SQL.

This module owns every connection the report makes to `warehouse.duckdb`. Each
call to `query()` opens the file read-only with external access switched off
(no file reads or writes outside the database, no COPY, ATTACH or extension
installs) and the configuration locked so SQL cannot switch it back on, runs one
statement with bound parameters, fetches the whole result as a pandas
DataFrame and closes the connection. No connection outlives a call, so a
`classchat run` that needs the write lock is never blocked by an open report
for longer than one query (DESIGN.md, "The report opens the warehouse
read-only and lets no query read or write files outside it"; STACK.md, DuckDB
locking). `stamp()` gives a cheap fingerprint of the file for cache keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

# Applied when the database is opened, before any SQL runs. `lock_configuration`
# keeps a query from loosening anything afterwards (e.g. `SET allowed_directories`).
LOCKED_DOWN_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "lock_configuration": True,
}


class WarehouseMissing(FileNotFoundError):
    """The warehouse file does not exist yet."""

    def __init__(self, warehouse: Path) -> None:
        super().__init__(f"no warehouse at {warehouse}: run `classchat run` first")
        self.warehouse = warehouse


class WarehouseBusy(RuntimeError):
    """Another process holds the write lock (a `classchat run` is rebuilding the warehouse)."""

    def __init__(self, warehouse: Path, detail: str) -> None:
        super().__init__(
            f"the warehouse at {warehouse} is being written by another process "
            f"(a `classchat run` or `dbt build`?); try again when it has finished. ({detail})"
        )
        self.warehouse = warehouse


def connect(warehouse: Path | str) -> duckdb.DuckDBPyConnection:
    """Open `warehouse` read-only and locked down. The caller must close it; prefer `query()`."""
    path = Path(warehouse)
    if not path.is_file():
        raise WarehouseMissing(path)
    try:
        return duckdb.connect(str(path), read_only=True, config=dict(LOCKED_DOWN_CONFIG))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(path, str(exc).splitlines()[0]) from exc
        raise


def query(
    warehouse: Path | str,
    sql: str,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Run one SQL statement against the warehouse and return the whole result.

    `params` are bound by DuckDB (`?` placeholders with a list, `$name` with a
    dict); never format user values into `sql`. Raises `WarehouseMissing` if
    the file does not exist, `WarehouseBusy` if a writer holds the lock, and
    DuckDB's own errors (e.g. `duckdb.PermissionException` for any attempt to
    touch files outside the warehouse) otherwise.
    """
    con = connect(warehouse)
    try:
        if params is None:
            return con.execute(sql).df()
        if not isinstance(params, Mapping):
            params = list(params)
        return con.execute(sql, params).df()
    finally:
        con.close()


def stamp(warehouse: Path | str) -> tuple[int, int, int]:
    """A fingerprint of the warehouse that changes whenever it is rebuilt.

    (mtime in ns, size, mtime of the write-ahead log or 0). Used as part of the
    report's cache key so a rebuilt warehouse is re-read. (0, 0, 0) if missing.
    """
    path = Path(warehouse)
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, 0, 0)
    wal = path.with_name(path.name + ".wal")
    try:
        wal_mtime = wal.stat().st_mtime_ns
    except FileNotFoundError:
        wal_mtime = 0
    return (st.st_mtime_ns, st.st_size, wal_mtime)


def latest_run(warehouse: Path | str) -> dict[str, Any] | None:
    """The newest row of the warehouse's `runs` table (None if there is no warehouse or no such table)."""
    path = Path(warehouse)
    if not path.is_file():
        return None
    try:
        frame = query(
            path,
            "select run_id, command, started_at, ended_at, outcome, classchat_version, dbt_version, "
            "duckdb_version, polars_version, great_expectations_version, n_input_files, inputs_sha256 "
            "from runs order by ended_at desc, run_id limit 1",
        )
    except duckdb.CatalogException:
        return None
    return frame.to_dict("records")[0] if len(frame) else None
