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

The sandbox: `enable_external_access` off leaves DuckDB one allowed
directory, its temp directory (by default `warehouse.duckdb.tmp` beside the
file, inside the data directory). Whoever can put a symlink there (`-> /`)
could then read or write any file through it, so every connection is opened
with `temp_directory` empty: spilling to disk is off and no directory at all
is allowed. A query that needs more memory than the limit stops instead of
spilling.

Limits (`reports.limits.Limits`, defaults in `reports.limits.LIMITS`, the one
place they are set; both re-exported here): every
connection gets DuckDB's `memory_limit` and `threads` before the
configuration is locked; `run_limited()` runs one statement under a time
limit (a timer thread calls `con.interrupt()`) and keeps at most `max_rows`
rows, reading the result in chunks so a huge result is never materialised.
A limit that is hit raises `LimitExceeded` with a one-line message naming the
`classchat query` flag that raises it. The report's own page queries run
under the same time and memory limits without a row cap.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from classchat.provenance import LATEST_FIRST
from classchat.reports.limits import LIMITS, Limits
from classchat.reports.privacy import Privacy, privacy_mode

if TYPE_CHECKING:  # pandas is imported by DuckDB when a result is fetched; not needed to import this module
    import pandas as pd

# Applied when the database is opened, before any SQL runs. `lock_configuration`
# keeps a query from loosening anything afterwards (e.g. `SET allowed_directories`).
# `temp_directory` empty: no spilling, so DuckDB allows no directory at all (see above).
LOCKED_DOWN_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "temp_directory": "",
    "lock_configuration": True,
}


# Chunks of this many DuckDB vectors (2048 rows each) are read while a row cap applies.
_CHUNK_VECTORS = 32


class LimitExceeded(RuntimeError):
    """A query hit its time or memory limit (`kind` is "timeout" or "memory"); the message is one line."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


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


def connect_config(limits: Limits = LIMITS) -> dict[str, Any]:
    """The configuration every connection is opened with: locked down, with `limits`' memory and threads.

    DuckDB refuses a second connection to a file already open in the process
    with a different configuration, so everything in one process should use
    the same `limits` (the report always uses `LIMITS`).
    """
    config = {k: v for k, v in LOCKED_DOWN_CONFIG.items() if k != "lock_configuration"}
    config["memory_limit"] = limits.memory_limit.strip()
    config["threads"] = int(limits.threads)
    config["lock_configuration"] = True  # last: everything above is set, nothing after
    return config


def connect(warehouse: Path | str, limits: Limits = LIMITS) -> duckdb.DuckDBPyConnection:
    """Open `warehouse` read-only and locked down. The caller must close it; prefer `query()`."""
    path = Path(warehouse)
    if not path.is_file():
        raise WarehouseMissing(path)
    try:
        return duckdb.connect(str(path), read_only=True, config=connect_config(limits))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(path, str(exc).splitlines()[0]) from exc
        raise


def query(
    warehouse: Path | str,
    sql: str,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    limits: Limits = LIMITS,
) -> pd.DataFrame:
    """Run one SQL statement against the warehouse and return the whole result.

    `params` are bound by DuckDB (`?` placeholders with a list, `$name` with a
    dict); never format user values into `sql`. Raises `WarehouseMissing` if
    the file does not exist, `WarehouseBusy` if a writer holds the lock,
    `LimitExceeded` past the time or memory limit (no row cap here: the whole
    result is returned), and DuckDB's own errors (e.g.
    `duckdb.PermissionException` for any attempt to touch files outside the
    warehouse) otherwise.
    """
    con = connect(warehouse, limits)
    try:
        if params is not None and not isinstance(params, Mapping):
            params = list(params)
        frame, _description, _cut = run_limited(con, sql, params, replace(limits, max_rows=None))
        return frame
    finally:
        con.close()


def _size(memory_limit: str) -> str:
    return re.sub(r"\s+", "", memory_limit)


def run_limited(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    limits: Limits = LIMITS,
) -> tuple[pd.DataFrame, list, bool]:
    """Run one statement on `con` under `limits`: (result, its description, whether it was cut).

    The time limit covers running and fetching: a timer thread interrupts the
    connection and the query fails with `LimitExceeded("timeout", ...)`.
    Running out of the memory limit is `LimitExceeded("memory", ...)`. With a
    row cap the result is read in chunks and at most `max_rows` rows are kept;
    the third value says whether rows were left out. Run other statements on
    `con` before this one: a result left unread keeps the connection busy.
    """
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        try:
            con.interrupt()
        except duckdb.Error:  # closed meanwhile: nothing left to stop
            pass

    timer = threading.Timer(limits.timeout_s, stop) if limits.timeout_s else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        result = con.execute(sql, params) if params else con.execute(sql)
        description = list(result.description or [])
        if limits.max_rows is None:
            return result.df(), description, False
        chunks = []
        n = 0
        vectors = max(1, min(_CHUNK_VECTORS, limits.max_rows // 2048 + 1))
        while n <= limits.max_rows:
            chunk = result.fetch_df_chunk(vectors)
            if chunk.empty:
                if not chunks:
                    chunks.append(chunk)  # keeps the columns of an empty result
                break
            chunks.append(chunk)
            n += len(chunk)
    except duckdb.InterruptException:
        if fired.is_set():
            raise LimitExceeded(
                "timeout", f"query stopped after {limits.timeout_s:g} s (time limit, --timeout)"
            ) from None
        raise
    except duckdb.OutOfMemoryException:
        raise LimitExceeded(
            "memory",
            f"query stopped: it needs more than {_size(limits.memory_limit)} of memory "
            "(memory limit, --memory-limit)",
        ) from None
    finally:
        if timer is not None:
            timer.cancel()
    import pandas as pd

    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    cut = len(frame) > limits.max_rows
    if cut:
        frame = frame.iloc[: limits.max_rows].reset_index(drop=True)
    return frame, description, cut


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


def warehouse_for(warehouse: Path | str, privacy: Privacy | str | None = None) -> Path:
    """The database file a reader with this privacy setting opens (default: $CLASSCHAT_PRIVACY).

    Named: `warehouse` itself. Pseudonymous: only its pseudonymous twin
    (`warehouse.pseudonymous.duckdb`, written after every build by
    `classchat.pseudonymise`), which holds no real name, so no query on it can
    show one; never the named file, not even when the twin is missing (then
    `connect` raises `WarehouseMissing` naming the twin). An unknown mode is a
    ValueError. The report, the HTML export and `reports.queries` open every
    connection on the file this returns.
    """
    mode = privacy.mode if isinstance(privacy, Privacy) else privacy_mode(privacy)
    return Privacy(mode).warehouse(warehouse)


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
