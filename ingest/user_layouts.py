"""Layouts a user declares in `raw/layouts.toml`, compiled into the same `Layout` the built-ins are.

A meeting tool classchat does not know can be read without touching code:

    [layouts.mytool]
    description = "MyTool: [HH:MM:SS] Name -> Recipient: text"
    header = '^\\[(?P<time>[0-9:]+)\\] (?P<sender>.+?)(?: -> (?P<recipient>.+?))?: (?P<body>.*)$'
    time_format = "%H:%M:%S"          # or a list, tried in order
    continuation_prefix = "\\t"        # what continuation lines start with; absent: lines as typed
    example = "[10:01:02] Ana: hello"

Keys (only these): `header` (required) is a regular expression in the Rust dialect Polars runs,
matched from the start of a line, with named groups: `time` (required), `date`, `sender` (a header
without one is a system message),
`recipient` (matched only by private messages), `body` (the text on the header line) and `role`;
a digit suffix (`sender2`) names the parts of another alternative. `time_format` (default
`["%H:%M:%S", "%H:%M"]`), `date_format` (default `%Y-%m-%d`; only with a `date` group),
`continuation_prefix`, `times_are_offsets` (times count from the recording's start), `description`,
`example` (shown by `classchat layouts`; must read as a message of the layout).

Declared layouts join detection after the built-ins (a tie goes to the built-in) and `--format`.
The parser handles them on its vectorised path: the only differences from a built-in are the data
of the `Layout` (a header pattern without time slots; `time_formats` and `date_format`, which the
parser reads times and dates by, rejecting a header whose time or date does not read).

A bad declaration is a `LayoutDeclarationError` (a ValueError: one line on the command line)
naming the file and the key: `…/raw/layouts.toml: [layouts.mytool] header: missing group (?P<time>...)`.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import date, time
from pathlib import Path

import polars as pl

from classchat.ingest.layouts import LAYOUTS, Layout, offset_format_regex

LAYOUTS_FILE = "layouts.toml"  # in raw/
KEYS = (
    "description",
    "header",
    "time_format",
    "date_format",
    "continuation_prefix",
    "times_are_offsets",
    "example",
)
GROUPS = ("time", "date", "sender", "recipient", "body", "role")
DEFAULT_TIME_FORMATS = ("%H:%M:%S", "%H:%M")
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_RESERVED = {"file_idx", "layout"}  # column names next to the layouts' scores in the parser
# a named group as Python (?P<x>) or Rust (?<x>) writes it; look-behind (?<= (?<! never matches [A-Za-z_]
_GROUP = re.compile(r"\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>")
_KNOWN_GROUP = re.compile(r"(" + "|".join(GROUPS) + r")([0-9]*)")


class LayoutDeclarationError(ValueError):
    """raw/layouts.toml declares a layout badly; the message is one line naming the file and key."""


def load_layouts(raw: Path) -> dict[str, Layout]:
    """The built-in layouts, then those `raw/layouts.toml` declares (file order); the built-ins without it."""
    path = raw / LAYOUTS_FILE
    if not path.is_file():
        return dict(LAYOUTS)
    return {**LAYOUTS, **declared_layouts(path)}


def declared_layouts(path: Path) -> dict[str, Layout]:
    """The layouts a layouts.toml file declares, checked and compiled (LayoutDeclarationError if bad)."""
    try:
        doc = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise LayoutDeclarationError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise LayoutDeclarationError(f"{path}: not valid TOML: {' '.join(str(exc).split())}") from None
    except OSError as exc:
        raise LayoutDeclarationError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    for key in doc:
        if key != "layouts":
            raise LayoutDeclarationError(
                f"{path}: {key}: unknown key; declare each layout as a [layouts.<name>] table"
            )
    tables = doc.get("layouts", {})
    if not isinstance(tables, dict):
        raise LayoutDeclarationError(f"{path}: layouts: declare each layout as a [layouts.<name>] table")
    out: dict[str, Layout] = {}
    for name, table in tables.items():
        out[name] = _compile(path, name, table)
    return out


def layouts_fingerprint(layouts: dict[str, Layout]) -> str | None:
    """A fingerprint of the declared layouts among `layouts` (None if there are none).

    What a file lands as depends on every layout it could be read as (detection, and the headers
    no body may hold), so landed files are read again when this changes (ingest/land.py).
    Descriptions and examples do not count.
    """
    declared = [
        (lay.name, lay.template, lay.time_formats, lay.date_format, lay.continuation_prefix, lay.time_kind)
        for lay in layouts.values()
        if lay.time_formats
    ]
    if not declared:
        return None
    return hashlib.sha256(repr(declared).encode()).hexdigest()[:16]


def _compile(path: Path, name: str, table: object) -> Layout:
    where = f"{path}: [layouts.{_toml_key(name)}]"

    def fail(key: str, problem: str) -> LayoutDeclarationError:
        return LayoutDeclarationError(f"{where} {key}: {problem}" if key else f"{where} {problem}")

    if not isinstance(table, dict):
        raise fail("", "must be a table of keys (header = '...', time_format = '...', ...)")
    if not _NAME.fullmatch(name):
        raise fail(
            "", "name: use lowercase letters, digits and _ (starting with a letter), e.g. [layouts.my_tool]"
        )
    if name in LAYOUTS:
        raise fail("", f"name: clashes with the built-in layout {name} (choose another name)")
    if name in _RESERVED:
        raise fail("", f"name: {name} is reserved (choose another name)")
    for key in table:
        if key not in KEYS:
            raise fail(key, f"unknown key; known keys: {', '.join(KEYS)}")

    def string(key: str, default: str | None = None) -> str | None:
        value = table.get(key, default)
        if value is not None and not isinstance(value, str):
            raise fail(key, f"must be a string, not {type(value).__name__}")
        return value

    header = string("header")
    if not header:
        raise fail("header", "missing: a regular expression with a (?P<time>...) group")
    header = _compile_header(header, fail)
    offsets = table.get("times_are_offsets", False)
    if not isinstance(offsets, bool):
        raise fail("times_are_offsets", f"must be true or false, not {offsets!r}")
    formats = table.get("time_format", list(DEFAULT_TIME_FORMATS if not offsets else ("%H:%M:%S", "%M:%S")))
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) and f for f in formats):
        raise fail("time_format", 'must be a format string or a list of them, e.g. "%H:%M:%S"')
    for fmt in formats:
        problem = _offset_format_problem(fmt) if offsets else _clock_format_problem(fmt)
        if problem:
            raise fail("time_format", problem)
    has_date = any(base == "date" for base, _ in _groups(header))
    date_format = string("date_format")
    if date_format is not None and not has_date:
        raise fail("date_format", "the header has no (?P<date>...) group to read with it")
    date_format = date_format or DEFAULT_DATE_FORMAT
    if problem := _date_format_problem(date_format):
        raise fail("date_format", problem)
    prefix = string("continuation_prefix", "")
    layout = Layout(
        name=name,
        description=string("description") or f"declared in {path.name}",
        template=header,
        continuation_prefix=prefix,
        time_kind="offset" if offsets else "clock",
        example=string("example", "") or "",
        time_formats=tuple(formats),
        date_format=date_format,
        source=str(path),
    )
    if layout.example and (problem := _example_problem(layout)):
        raise fail("example", problem)
    return layout


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace('"', '\\"') + '"'


def _groups(pattern: str) -> list[tuple[str, str]]:
    """(base, digits) of each named group of `pattern` (`sender2` -> ("sender", "2"))."""
    out = []
    for group in _GROUP.findall(pattern):
        m = _KNOWN_GROUP.fullmatch(group)
        out.append((m.group(1), m.group(2)) if m else (group, ""))
    return out


def _compile_header(pattern: str, fail) -> str:
    """The header as the parser takes it: anchored, `(?P<...>)` groups, `body` named `text` (as the parser
    names it)."""
    for base, digits in _groups(pattern):
        if base not in GROUPS:
            raise fail("header", f"unknown group (?P<{base}{digits}>...); groups are {', '.join(GROUPS)}")
    if not any(base == "time" for base, _ in _groups(pattern)):
        raise fail("header", "missing group (?P<time>...)")
    pattern = _GROUP.sub(lambda m: "(?P<" + re.sub(r"^body", "text", m.group(1)) + ">", pattern)
    anchored = f"^(?:{pattern})"
    try:
        pl.select(pl.lit("").str.contains(anchored))
    except pl.exceptions.PolarsError as exc:
        raise fail("header", f"does not compile: {_regex_error(str(exc))}") from None
    return anchored


def _regex_error(message: str) -> str:
    """The one line of a Rust regex error that says what is wrong."""
    for line in message.splitlines():
        if line.strip().startswith("error:"):
            return line.strip()[len("error:") :].strip()
    return message.splitlines()[0] if message else "invalid regular expression"


_SAMPLE_TIME = time(13, 2, 3)
_SAMPLE_DATE = date(2024, 3, 5)


def _clock_format_problem(fmt: str) -> str | None:
    """Why `fmt` cannot read a time of day written in it (None if it can): written and read back."""
    try:
        text = _SAMPLE_TIME.strftime(fmt)
        got = pl.select(pl.lit(text).str.to_time(fmt, strict=False)).item()
    except (ValueError, pl.exceptions.PolarsError):
        got = None
    if got is None or (got.hour, got.minute) != (13, 2) or got.second not in (0, 3):
        return (
            f"{fmt!r} does not read a time of day "
            '(it needs the hour and minutes, e.g. "%H:%M:%S" or "%I:%M %p")'
        )
    return None


def _offset_format_problem(fmt: str) -> str | None:
    try:
        offset_format_regex(fmt)
    except ValueError as exc:
        return f"{fmt!r} for offsets (times_are_offsets): {exc}"
    for directive in ("%H", "%M", "%S"):
        if fmt.count(directive) > 1:
            return f"{fmt!r}: {directive} appears twice"
    return None


def _date_format_problem(fmt: str) -> str | None:
    try:
        text = _SAMPLE_DATE.strftime(fmt)
        got = pl.select(pl.lit(text).str.to_date(fmt, strict=False)).item()
    except (ValueError, pl.exceptions.PolarsError):
        got = None
    if got != _SAMPLE_DATE:
        return f'{fmt!r} does not read a date (it needs the year, month and day, e.g. "%d.%m.%Y")'
    return None


def _example_problem(layout: Layout) -> str | None:
    """Why the example does not read as one message of `layout` by the real parser (None if it does)."""
    from classchat.ingest.parse import FileText, parse_batch  # parse (and its steps) import layouts only; no cycle, but load it late

    known = {**LAYOUTS, layout.name: layout}
    batch = parse_batch([FileText(0, layout.example, _SAMPLE_DATE, layout=layout.name)], layouts=known)
    if not batch.rejects.is_empty():
        first = batch.rejects.row(0, named=True)
        return f"line {first['line_no']} is rejected ({first['reason']}), check header and time_format"
    if batch.messages.height != 1:
        return f"reads as {batch.messages.height} messages, not one"
    return None
