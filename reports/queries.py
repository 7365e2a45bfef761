"""Named, reproducible SQL queries over the warehouse (`reports/queries/*.sql`).

This module owns the query library: reading each file's header, turning
parameter values (strings from `classchat query --param k=v`, or typed values
from the report's Queries page) into typed values that DuckDB binds, running a
query or ad-hoc SQL through the read-only, locked-down connection of
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

A query file is plain SQL that starts with a header of `--` comment lines:

    -- title: Unanswered questions of a course
    -- description: Questions nobody answered (or that the asker had to ask again),
    --     newest session first.
    -- param: course (varchar, required) the course id, e.g. dl101
    -- param: limit (integer, default 200) at most this many rows
    -- param: week (date, optional) a Monday; leave empty for all weeks

* `title` (one line) and `description` are required; a line indented by at
  least two spaces after `--` continues the field above it.
* `param: NAME (TYPE, SPEC) DOC` declares a parameter. TYPE is one of varchar,
  integer, double, date (YYYY-MM-DD) or boolean (true/false, yes/no, 1/0);
  SPEC is `required`, `optional` (the default is null, which the SQL reads as
  "all") or `default VALUE`.
* The header ends at the first line that is neither; the rest is the SQL, one
  statement, which refers to parameters as DuckDB named parameters (`$course`)
  and casts them to their declared type. Values are always bound by DuckDB,
  never pasted into the SQL. Every declared parameter must be used and every
  `$name` declared; a file that breaks a rule is an error naming the file.
* The name of a query is its file stem. Every query orders its rows by a
  unique key, so the same warehouse gives the same rows in the same order.

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

import csv
import io
import json
import math
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import duckdb
import pandas as pd

from classchat.reports import db
from classchat.reports.privacy import Privacy

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
TYPES = ("varchar", "integer", "double", "date", "boolean")
FORMATS = ("table", "csv", "json", "parquet")

_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}
_HEADER_FIELD = re.compile(r"^--\s?(title|description|param)\s*:\s*(.*)$", re.IGNORECASE)
_UNKNOWN_FIELD = re.compile(r"^--\s?([a-z_]+)\s*:\s", re.IGNORECASE)
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")
_PARAM = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*)\s*\(\s*(?P<type>[a-z]+)\s*,\s*"
    r"(?P<spec>required|optional|default\s+(?P<default>[^)]*?))\s*\)\s*(?P<doc>.*)$",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# What the SQL refers to: `$name` outside comments and string literals.
_SQL_NOISE = re.compile(r"--[^\n]*|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_SQL_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class QueryError(ValueError):
    """A query that does not exist, a malformed query file, or parameters that do not fit."""


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str
    required: bool
    default: Any = None
    doc: str = ""

    def describe(self) -> str:
        """`course (varchar, required)`, `limit (integer, default 200)`, `course (varchar, optional)`."""
        if self.required:
            spec = "required"
        elif self.default is None:
            spec = "optional"
        else:
            spec = f"default {literal(self.default)}"
        return f"{self.name} ({self.type}, {spec})"


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its name (file stem), header and SQL (the text after the header)."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    sql: str
    path: Path
    text: str = field(default="", repr=False)  # the whole file, header included

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def usage(self) -> str:
        """A few lines for `classchat query --list` and help texts."""
        lines = [f"{self.name}: {self.title}", f"    {self.description}"]
        for p in self.params:
            lines.append(f"    --param {p.describe()}: {p.doc}" if p.doc else f"    --param {p.describe()}")
        return "\n".join(lines)


# --- reading query files ------------------------------------------------------


def parse_query(path: Path) -> NamedQuery:
    """Read one query file; a file that breaks the header rules is a `QueryError` naming it."""
    path = Path(path)
    name = path.stem
    text = path.read_text(encoding="utf-8")

    def fail(msg: str) -> QueryError:
        return QueryError(f"query {name} ({path}): {msg}")

    if not _NAME.match(name):
        raise fail("a query's file name must be lowercase letters, digits and underscores")
    lines = text.splitlines()
    fields: dict[str, str] = {}
    raw_params: list[str] = []
    last: str | None = None  # the field a continuation line extends: a key, or "param"
    body_start = len(lines)
    for i, line in enumerate(lines):
        m = _HEADER_FIELD.match(line)
        if m:
            key, value = m.group(1).lower(), m.group(2).strip()
            if key == "param":
                raw_params.append(value)
            elif key in fields:
                raise fail(f"line {i + 1}: `{key}` given twice")
            else:
                fields[key] = value
            last = key
            continue
        cont = _CONTINUATION.match(line)
        if cont and last is not None:
            if last == "param":
                raw_params[-1] += " " + cont.group(1).strip()
            else:
                fields[last] += " " + cont.group(1).strip()
            continue
        if last is None and line.startswith("--"):
            um = _UNKNOWN_FIELD.match(line)
            raise fail(
                f"line {i + 1}: unknown header field `{um.group(1)}`" if um
                else f"line {i + 1}: the file must start with `-- title: ...`"
            )
        body_start = i
        break
    for key in ("title", "description"):
        if not fields.get(key):
            raise fail(f"the header has no `-- {key}: ...` line")
    params: list[Param] = []
    for raw in raw_params:
        params.append(_parse_param(raw, fail))
    names = [p.name for p in params]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise fail(f"parameter {', '.join(dupes)} declared more than once")
    sql = "\n".join(lines[body_start:]).strip()
    if not sql:
        raise fail("no SQL after the header")
    used = set(_SQL_PARAM.findall(_SQL_NOISE.sub(" ", sql)))
    undeclared = sorted(used - set(names))
    if undeclared:
        raise fail(f"the SQL uses ${', $'.join(undeclared)} but the header does not declare it")
    unused = [n for n in names if n not in used]
    if unused:
        raise fail(f"parameter {', '.join(unused)} is declared but the SQL never uses it")
    return NamedQuery(
        name=name,
        title=fields["title"],
        description=fields["description"],
        params=tuple(params),
        sql=sql,
        path=path,
        text=text,
    )


def _parse_param(raw: str, fail) -> Param:
    m = _PARAM.match(raw)
    if not m:
        raise fail(
            f"cannot read `param: {raw}`; "
            "write `param: name (type, required|optional|default value) what it is`"
        )
    name, type_ = m.group("name"), m.group("type").lower()
    if type_ not in TYPES:
        raise fail(f"parameter {name}: type {type_!r} is not one of {', '.join(TYPES)}")
    spec = m.group("spec").lower()
    required = spec == "required"
    default = None
    if spec.startswith("default"):
        try:
            default = convert(name, type_, m.group("default").strip())
        except QueryError as exc:
            raise fail(f"default of {exc}") from None
        if default is None:
            raise fail(f"parameter {name}: write `optional` instead of an empty default")
    return Param(name=name, type=type_, required=required, default=default, doc=m.group("doc").strip())


def list_queries(directory: Path | None = None) -> list[NamedQuery]:
    """Every query in `directory` (default reports/queries), sorted by name."""
    directory = Path(directory) if directory is not None else QUERIES_DIR
    return [parse_query(p) for p in sorted(directory.glob("*.sql"), key=lambda p: p.stem)]


def get_query(name: str, directory: Path | None = None) -> NamedQuery:
    """The query called `name`; an unknown name is a `QueryError` listing the known ones."""
    directory = Path(directory) if directory is not None else QUERIES_DIR
    path = directory / f"{name}.sql"
    if not _NAME.match(name or "") or not path.is_file():
        known = ", ".join(q.name for q in list_queries(directory)) or "(none)"
        raise QueryError(f"no query named {name!r}; known queries: {known}")
    return parse_query(path)


# --- parameters ---------------------------------------------------------------


def convert(name: str, type_: str, value: Any) -> Any:
    """`value` (a string, or already of the right type) as a Python value of SQL type `type_`.

    An empty or blank string is "not given" and comes back as None. A value that
    does not fit is a `QueryError` such as "parameter limit: 'abc' is not an integer".
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if type_ == "varchar":
            return value
        if type_ == "integer":
            if re.fullmatch(r"[+-]?\d+", text):
                return int(text)
            raise QueryError(f"parameter {name}: {value!r} is not an integer")
        if type_ == "double":
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise QueryError(f"parameter {name}: {value!r} is not a number")
            return number
        if type_ == "date":
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise QueryError(f"parameter {name}: {value!r} is not a date (YYYY-MM-DD)") from None
        if type_ == "boolean":
            low = text.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise QueryError(f"parameter {name}: {value!r} is not a boolean (true or false)")
        raise QueryError(f"parameter {name}: unknown type {type_!r}")
    # typed values, e.g. from the report's widgets
    ok = {
        "varchar": lambda v: False,
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "double": lambda v: isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)
        and math.isfinite(float(v)),
        "date": lambda v: isinstance(v, date) and not isinstance(v, datetime),
        "boolean": lambda v: isinstance(v, bool),
    }[type_]
    if ok(value):
        return float(value) if type_ == "double" else value
    if type_ == "date" and isinstance(value, datetime):
        return value.date()
    if type_ == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    kinds = {"varchar": "text", "integer": "an integer", "double": "a number", "date": "a date"}
    kind = kinds.get(type_, "a boolean")
    raise QueryError(f"parameter {name}: {value!r} is not {kind}")


def bind(query: NamedQuery, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The values DuckDB binds for `query`: every declared parameter, converted to its type.

    Unknown names and missing required parameters are `QueryError`s naming the
    query; parameters not given (or given empty) take their default.
    """
    raw = dict(raw or {})
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(raw) - set(declared))
    if unknown:
        takes = ", ".join(p.describe() for p in query.params) or "no parameters"
        raise QueryError(
            f"query {query.name}: unknown parameter {', '.join(unknown)}; it takes {takes}"
        )
    values: dict[str, Any] = {}
    missing: list[str] = []
    for p in query.params:
        value = convert(p.name, p.type, raw.get(p.name))
        if value is None:
            if p.required:
                missing.append(p.describe() + (f": {p.doc}" if p.doc else ""))
                continue
            value = p.default
        values[p.name] = value
    if missing:
        raise QueryError(f"query {query.name}: missing required parameter {'; '.join(missing)}")
    return values


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """`["course=dl101", "limit=5"]` (repeated `--param k=v`) as a dict; a later k wins."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param {item!r}: write it as name=value")
        out[key.strip()] = value
    return out


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
    """One line when the result was cut at the row cap (None otherwise)."""
    meta = frame.attrs.get("classchat") or {}
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


# --- writing results ----------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """A JSON-ready Python value: ISO dates and times, None for missing, lists for arrays."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):  # BLOBs: hex, as the table and CSV formats show them
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:  # numpy arrays (DuckDB lists)
        return [_jsonable(v) for v in value.tolist()]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (int, float)):  # numpy scalars
        value = value.item()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    return value


def _text_cell(value: Any, exact: bool = False) -> str:
    """A cell as text: for the table format (rounded floats, timestamps with a space), or for
    CSV when `exact` (floats as Python writes them, so they read back unchanged)."""
    value = _jsonable(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        if exact:
            return repr(value)
        if abs(value) >= 1e15 or (value and abs(value) < 1e-4):
            return f"{value:.6g}"
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if not exact and isinstance(value, str) and "T" in value and _looks_iso_timestamp(value):
        return value.replace("T", " ")
    return str(value)


def _looks_iso_timestamp(value: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?", value))


def _width(text: str) -> int:
    """Columns `text` takes in a terminal (CJK and other wide characters count two)."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _clip(text: str, width: int) -> str:
    text = text.replace("\r\n", " ⏎ ").replace("\n", " ⏎ ").replace("\t", " ")
    if _width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def format_table(frame: pd.DataFrame, max_width: int = 60) -> str:
    """A readable fixed-width text table: one header line, a rule, one line per row.

    Numbers are right-aligned, text left-aligned; line breaks show as ⏎ and cells
    longer than `max_width` columns are cut with …. Ends with the row count.
    """
    columns = [str(c) for c in frame.columns]
    if not columns:
        return "(no columns)\n"
    types = pd.api.types
    numeric = [types.is_numeric_dtype(frame[c]) and not types.is_bool_dtype(frame[c]) for c in frame.columns]
    rows = [
        [_clip(_text_cell(v), max_width) for v in row]
        for row in frame.itertuples(index=False, name=None)
    ]
    widths = [max([_width(c)] + [_width(r[i]) for r in rows]) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        parts = []
        for cell, width, right in zip(cells, widths, numeric, strict=True):
            pad = " " * (width - _width(cell))
            parts.append(pad + cell if right else cell + pad)
        return "  ".join(parts).rstrip()

    out = [line(columns), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in rows)
    n = len(frame)
    cut = "; cut at the row cap, --max-rows" if (frame.attrs.get("classchat") or {}).get("cut") else ""
    out.append(f"({n} row{'' if n == 1 else 's'}{cut})")
    return "\n".join(out) + "\n"


# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): = + - @, tab, CR.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run: one starting with = + - @, tab or CR gets a leading '.

    Only text is neutralised: numbers (a -3 from a numeric column) stay numbers.
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_cell(value: Any) -> str:
    """One CSV cell: exact floats, ISO dates, lists as JSON, and text neutralised (`neutralise`)."""
    text = _text_cell(value, exact=True)
    return neutralise(text) if isinstance(_jsonable(value), str) else text


def csv_text(frame: pd.DataFrame) -> str:
    """`frame` as CSV text: the one CSV writer of classchat (`query --format csv`, the report's
    Download CSV buttons). Column names are cells too, so they are neutralised as well."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue()



def _json_text(frame: pd.DataFrame) -> str:
    columns = [str(c) for c in frame.columns]
    records = [
        dict(zip(columns, (_jsonable(v) for v in row), strict=True))
        for row in frame.itertuples(index=False, name=None)
    ]
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def _parquet(frame: pd.DataFrame, target: Path | IO[bytes]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    info = frame.attrs.get("classchat")
    if info:
        meta[b"classchat"] = json.dumps(_jsonable(info), ensure_ascii=False).encode("utf-8")
    table = table.replace_schema_metadata(meta)
    pq.write_table(table, target)


def render(frame: pd.DataFrame, fmt: str) -> str:
    """`frame` as text in format table, csv or json."""
    if fmt == "table":
        return format_table(frame)
    if fmt == "csv":
        return csv_text(frame)
    if fmt == "json":
        return _json_text(frame)
    if fmt == "parquet":
        raise QueryError("parquet is binary: write it to a file")
    raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_result(frame: pd.DataFrame, fmt: str, out: IO[str] | IO[bytes] | Path | str | None = None) -> None:
    """Write `frame` as `fmt` (table, csv, json, parquet) to a path, a stream, or stdout (None).

    Text formats are UTF-8. JSON is a list of records with ISO dates and
    non-ASCII text as is. Parquet needs a file: a path, or a binary stream that
    is not a terminal; anything else is a `QueryError` ("use --out FILE.parquet").
    Parquet files carry the result's provenance under the metadata key `classchat`.
    """
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        if isinstance(out, (str, Path)):
            path = Path(out)
            path.parent.mkdir(parents=True, exist_ok=True)
            _parquet(frame, path)
            return
        if out is None or isinstance(out, io.TextIOBase) or _isatty(out):
            raise QueryError("parquet output needs a file: use --out FILE.parquet")
        _parquet(frame, out)  # a binary stream
        return
    text = render(frame, fmt)
    if isinstance(out, (str, Path)):
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return
    stream = sys.stdout if out is None else out
    if isinstance(stream, io.TextIOBase) or not _is_binary(stream):
        stream.write(text)
    else:
        stream.write(text.encode("utf-8"))
    if hasattr(stream, "flush"):
        stream.flush()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _is_binary(stream: Any) -> bool:
    if isinstance(stream, (io.RawIOBase, io.BufferedIOBase)):
        return True
    mode = getattr(stream, "mode", "")
    return isinstance(mode, str) and "b" in mode


def literal(value: Any) -> str:
    """A parameter value as `--param k=v` takes it back: true/false, ISO dates, numbers and text as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
