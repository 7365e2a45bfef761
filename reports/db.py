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

from classchat.provenance import LATEST_FIRST

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
    """The latest run recorded in the warehouse (see `read_latest_run`); None if there is no warehouse."""
    path = Path(warehouse)
    if not path.is_file():
        return None
    con = connect(path)
    try:
        return read_latest_run(con)
    finally:
        con.close()


def read_latest_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The latest row of the `runs` table (classchat/provenance.py) on an open connection.

    Every column but `input_files` (a (file, sha256) pair per input: too long to
    show), plus the `<package>_version` columns gathered as one `versions`
    dict. None when there is no `runs` table (an older warehouse) or no row.
    """
    try:
        columns = [d[0] for d in con.execute("select * from runs limit 0").description if d[0] != "input_files"]
        select = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
        row = con.execute(f"select {select} from runs order by {LATEST_FIRST} limit 1").fetchone()
    except duckdb.Error:
        return None
    if row is None:
        return None
    run = dict(zip(columns, row, strict=True))
    run["versions"] = {
        c.removesuffix("_version"): v for c, v in run.items() if c.endswith("_version") and v is not None
    }
    return run
