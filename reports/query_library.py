"""The library of named queries (`reports/queries/*.sql`): their files, headers and parameters.

Owns reading a query file's header (title, description, parameters with
their types, defaults and valid ranges), finding a query by name, and
turning parameter values (strings from `classchat query --param k=v`, or
typed values from the report's Queries page) into typed values that DuckDB
binds; a value that does not fit (wrong type, out of its declared range, a
missing required one, an unknown name) is a `QueryError` that says what
fits. `reports.queries` runs them and re-exports this module's names.

A query file is plain SQL that starts with a header of `--` comment lines:

    -- title: Unanswered questions of a course
    -- description: Questions nobody answered (or that the asker had to ask again),
    --     newest session first.
    -- param: course (varchar, required) the course id, e.g. dl101
    -- param: limit (integer, default 200, 1..5000) at most this many rows
    -- param: week (date, optional) a Monday; leave empty for all weeks

* `title` (one line) and `description` are required; a line indented by at
  least two spaces after `--` continues the field above it.
* `param: NAME (TYPE, SPEC) DOC` declares a parameter. TYPE is one of varchar,
  integer, double, date (YYYY-MM-DD) or boolean (true/false, yes/no, 1/0);
  SPEC is `required`, `optional` (the default is null, which the SQL reads as
  "all") or `default VALUE`. An integer or double may add its valid range,
  `(integer, default 20, 1..100)` (`1..` or `..10` leave an end open); a
  value outside it is refused with the range, never quietly capped.
* The header ends at the first line that is neither; the rest is the SQL, one
  statement, which refers to parameters as DuckDB named parameters (`$course`)
  and casts them to their declared type. Values are always bound by DuckDB,
  never pasted into the SQL. Every declared parameter must be used and every
  `$name` declared; a file that breaks a rule is an error naming the file.
* The name of a query is its file stem. Every query orders its rows by a
  unique key, so the same warehouse gives the same rows in the same order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from classchat.reports.query_output import QueryError

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
TYPES = ("varchar", "integer", "double", "date", "boolean")

_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}
_HEADER_FIELD = re.compile(r"^--\s?(title|description|param)\s*:\s*(.*)$", re.IGNORECASE)
_UNKNOWN_FIELD = re.compile(r"^--\s?([a-z_]+)\s*:\s", re.IGNORECASE)
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")
_PARAM = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*)\s*\(\s*(?P<type>[a-z]+)\s*,\s*"
    r"(?P<spec>required|optional|default\s+(?P<default>[^)]*?))"
    r"(?:\s*,\s*(?P<low>[-+]?\d+(?:\.\d+)?)?\s*\.\.\s*(?P<high>[-+]?\d+(?:\.\d+)?)?)?\s*\)\s*(?P<doc>.*)$",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# What the SQL refers to: `$name` outside comments and string literals.
_SQL_NOISE = re.compile(r"--[^\n]*|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_SQL_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str
    required: bool
    default: Any = None
    doc: str = ""
    low: float | int | None = None  # the valid range of a number (`1..100`; either end may be open)
    high: float | int | None = None

    def range_text(self) -> str:
        """`1..100`, `1..`, `..10`, or "" without a range."""
        if self.low is None and self.high is None:
            return ""
        def end(v: float | int | None) -> str:
            return "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)

        return f"{end(self.low)}..{end(self.high)}"

    def in_range(self, value: Any) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        """`course (varchar, required)`, `limit (integer, default 200, 1..1000)`, `course (varchar, optional)`."""
        if self.required:
            spec = "required"
        elif self.default is None:
            spec = "optional"
        else:
            spec = f"default {literal(self.default)}"
        valid = self.range_text()
        return f"{self.name} ({self.type}, {spec}{', ' + valid if valid else ''})"


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
    bounds = []
    for end in ("low", "high"):
        text = m.group(end)
        if text is not None and type_ not in ("integer", "double"):
            raise fail(f"parameter {name}: only integer and double parameters take a range")
        bounds.append(None if text is None else convert(name, type_, text))
    param = Param(name=name, type=type_, required=required, default=default, doc=m.group("doc").strip(),
                  low=bounds[0], high=bounds[1])
    if param.low is not None and param.high is not None and param.low > param.high:
        raise fail(f"parameter {name}: the range {param.range_text()} is empty")
    if default is not None and not param.in_range(default):
        raise fail(f"parameter {name}: the default {literal(default)} is outside its range {param.range_text()}")
    return param


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
        elif not p.in_range(value):
            raise QueryError(
                f"query {query.name}: parameter {p.name} is {literal(value)}, outside its valid range "
                f"{p.range_text()}" + (f" ({p.doc})" if p.doc else "")
            )
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


def literal(value: Any) -> str:
    """A parameter value as `--param k=v` takes it back: true/false, ISO dates, numbers and text as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
