"""The pseudonymous warehouse: a second database file that holds no real name, built after each build.

Owns privacy by construction (DESIGN.md, "Privacy mode is by construction";
the rules in docs/privacy.md). `publish_pseudonymous()` reads a freshly built
warehouse and writes `warehouse.pseudonymous.duckdb` beside it (atomically:
a temporary file, then one rename). That file holds only the public tables
(`PUBLIC_TABLES`), never an intermediate model, a staging view or a
bookkeeping table, and in them

* every name column (`NAME_COLUMNS`: sender, recipient, display name,
  instructor) holds the person's pseudonym, `P-` and 6 hex digits, a keyed
  hash (HMAC-SHA256) of the normalised name (`name_key`, the rule of dbt's
  macro of the same name), so the same person has the same pseudonym in
  every table, page, export and query;
* every person id (`ID_COLUMNS`: `user_id`, `user_key`, ...) is a keyed hash
  too (an md5 of a name, or a student number, could be guessed), the same
  value in every table so joins still work;
* `mentions` holds the pseudonyms of the people mentioned;
* every other text, inside lists and structs too, is rewritten by the
  course's name book (`Namebook`): every known name, full names first, then
  the parts of names, then any other `@word`, is replaced by the pseudonym
  of the person it names. Columns known to hold only codes and hashes
  (`CODE_COLUMNS`) are copied as they are; a column of a new or unknown kind
  is rewritten as text (default deny), and a column that cannot be
  rewritten (binary data) stops the publication.

In pseudonymous mode every reader (the report, the HTML export, named
queries, ad-hoc SQL) opens only this file (`reports.db.warehouse_for`), so
no SQL, however written, can reach a real name: there is none to reach.

The key is made once per data directory (`.classchat_key`, readable by its
owner only) and is never written into any output. This module is core-level:
it imports nothing of the report (no Streamlit, no pandas) and the pipeline
calls it on the scratch warehouse before the swap.

This module owns what the twin holds (`PUBLIC_TABLES`) and writing it
(`publish_pseudonymous`, `needs_publish`). The parts live beside it:
`pseudonyms` (the key, `name_key`, pseudonyms and keyed ids), `namebook`
(finding names in text) and `pseudonymise_columns` (the column kinds and
rewriting Arrow batches by them). Their public names are importable from
here as before.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

from classchat.namebook import COMMON_WORDS, CJK_TITLES, NOT_PEOPLE, NOT_PEOPLE_MENTIONS, Namebook
from classchat.pseudonymise_columns import (
    CODE_COLUMNS,
    HASHED_TEXT_COLUMNS,
    ID_COLUMNS,
    MENTION_COLUMNS,
    NAME_COLUMNS,
    _rewrite_batch,
    _rewritten_schema,
)
from classchat.pseudonyms import (
    KEY_FILE,
    PSEUDONYMOUS_TAG,
    PseudonymiseError,
    is_pseudonym,
    load_key,
    name_key,
    pseudonym,
    pseudonymous_id,
    pseudonymous_path,
)

__all__ = [
    "CJK_TITLES", "CODE_COLUMNS", "COMMON_WORDS", "HASHED_TEXT_COLUMNS", "ID_COLUMNS", "KEY_FILE",
    "MENTION_COLUMNS", "NAME_COLUMNS", "NOT_PEOPLE", "NOT_PEOPLE_MENTIONS", "PSEUDONYMOUS_TAG", "PUBLIC_TABLES",
    "WITHHELD_PREFIXES", "Namebook", "PseudonymiseError", "is_pseudonym", "load_key", "name_key",
    "needs_publish", "pseudonym", "pseudonymous_id", "pseudonymous_path", "publish_pseudonymous",
]

# pyarrow and Polars are imported by the functions that publish: readers import this module for the
# key and the file name only, and should not pay for them.

# The tables a pseudonymous reader sees (the marts and the run/quality tables the report and the
# named queries read). Anything else in the warehouse is withheld: intermediate models (int_*),
# staging views over the lake (stg_*), bookkeeping (_classchat_*). A new mart must be added here
# (tests/reports/test_privacy.py fails until every table of the warehouse is one or the other).
PUBLIC_TABLES = (
    "messages", "sessions", "users", "user_sessions", "session_minutes", "courses", "question_topics",
    "ingested_files", "rejected_lines", "quality_results", "runs",
    "attendance", "name_matches", "attendance_files", "attendance_rejects",
)
WITHHELD_PREFIXES = ("int_", "stg_", "_")


def publish_pseudonymous(data_dir: Path, warehouse: Path, target: Path) -> None:
    """Write the pseudonymous twin of `warehouse` to `target`, atomically (a temporary file, then a rename).

    Reads `warehouse` read-only (the scratch warehouse of a run, before the
    swap); uses the data directory's key (made if missing) and its roster
    (`lake/roster.parquet`) for names of people who never wrote. Raises
    `PseudonymiseError` with a one-line reason; `target` is then as it was.
    """
    data_dir, warehouse, target = Path(data_dir), Path(warehouse), Path(target)
    if not warehouse.is_file():
        raise PseudonymiseError(f"no warehouse at {warehouse} to pseudonymise")
    if target.resolve() == warehouse.resolve():
        raise PseudonymiseError("the pseudonymous warehouse cannot replace the warehouse it is made from")
    key = load_key(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    src = duckdb.connect(str(warehouse), read_only=True)
    try:
        src.execute("set enable_progress_bar = false")  # no bar in the run's output
        tables = _public_tables(src)
        book = Namebook.build(key, _known_names(src, tables, data_dir / "lake" / "roster.parquet"))
        dst = duckdb.connect(str(tmp))
        try:
            for table in tables:
                _copy_table(src, dst, table, book)
            dst.execute("checkpoint")
        finally:
            dst.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        _remove_wal(target)
        os.replace(tmp, target)
    except duckdb.Error as exc:
        detail = str(exc).splitlines()[0]
        raise PseudonymiseError(f"could not write the pseudonymous warehouse: {detail}") from exc
    finally:
        src.close()
        tmp.unlink(missing_ok=True)
        _remove_wal(tmp)


def needs_publish(warehouse: Path, target: Path) -> bool:
    """True when `target` is missing or older than `warehouse` (a warehouse built before the twin existed)."""
    try:
        return Path(target).stat().st_mtime_ns < Path(warehouse).stat().st_mtime_ns
    except FileNotFoundError:
        return Path(warehouse).is_file()


def _remove_wal(path: Path) -> None:
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def _public_tables(con) -> list[str]:
    present = {
        r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'main' union select view_name from duckdb_views() "
            "where database_name = current_database() and schema_name = 'main' and not internal"
        ).fetchall()
    }
    return [t for t in PUBLIC_TABLES if t in present]


def _known_names(con, tables: list[str], roster: Path) -> set[str]:
    """Every display name the warehouse (and the roster) knows: name columns, and who reacted."""
    names: set[str] = set()
    selects = []
    for table in tables:
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'main' and table_name = ?",
            [table],
        ).fetchall()
        selects += [
            f"select distinct {_quote(c)} as name from {_quote(table)}"
            for c, t in columns if c in NAME_COLUMNS and t == "VARCHAR"
        ]
    if selects:
        names.update(r[0] for r in con.execute(" union ".join(selects)).fetchall() if r[0])
    optional = [
        # people who only reacted (Zoom's collected reactions) never appear as senders
        "select distinct unnest(r.reactors) as name from "
        "(select unnest(collected_reactions) as r from int_messages_classified)",
    ]
    if roster.is_file():
        optional.append(f"select distinct display_name from read_parquet('{_sql_string(roster)}')")
        optional.append(f"select distinct unnest(aliases) from read_parquet('{_sql_string(roster)}')")
    for sql in optional:
        try:
            names.update(r[0] for r in con.execute(sql).fetchall() if r[0])
        except duckdb.Error:
            pass  # an older warehouse without the model, or a roster without the column
    return names


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _copy_table(src, dst, table: str, book: Namebook) -> None:
    """`table` of `src` into `dst`, every value through the rules of the module docstring."""
    import pyarrow as pa

    ddl = src.execute(
        "select sql from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' and table_name = ?",
        [table],
    ).fetchall()
    name = _quote(table)
    reader = src.sql(f"select * from {name}").to_arrow_reader(65_536)
    if ddl and ddl[0][0]:
        dst.execute(ddl[0][0])
    else:  # a view: a table of the same columns
        empty = pa.Table.from_batches([], schema=_rewritten_schema(reader.schema))
        dst.register("_pz_empty", empty)
        dst.execute(f"create table {name} as select * from _pz_empty")
        dst.unregister("_pz_empty")
    for batch in reader:
        out = pa.Table.from_batches([_rewrite_batch(batch, table, book)])
        dst.register("_pz_batch", out)
        dst.execute(f"insert into {name} select * from _pz_batch")
        dst.unregister("_pz_batch")
