"""Query results written out: a text table, CSV, JSON or Parquet, and JSON-ready values.

Owns how a result leaves classchat (`classchat query --format`, the report's
CSV downloads): the aligned text table of a terminal (wide characters
counted as two columns, long cells clipped), CSV written by one function,
`csv_text()`, in which a text cell starting with = + - @, tab or CR gets a
leading ' so a spreadsheet shows it instead of running it (OWASP, CSV
injection), JSON with ISO dates, BLOBs as hex and no NaN, and Parquet.
`reports.queries` runs the queries and re-exports these writers.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pandas as pd

FORMATS = ("table", "csv", "json", "parquet")


class QueryError(ValueError):
    """A query that does not exist, a malformed query file, parameters that do not fit, or a result
    that cannot be written as asked (defined here, the lower module; `reports.queries` re-exports it)."""


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
