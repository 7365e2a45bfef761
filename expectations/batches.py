"""Reading a suite's frame from the warehouse, whole or in bounded batches, and merging batch results.

This module owns what the checks hold in memory. A suite reads only the
columns its expectations look at (`columns_used`). A per-session suite whose
frame has more than `BATCH_ROWS` rows is read in batches of whole sessions
(contiguous ranges of `session_id`, plus one batch for rows without one, cut
from one query ordered by session and streamed), so peak memory is bounded by
the batch (and DuckDB's own `DUCKDB_MEMORY`), not by the warehouse; the next
batch is read while Great Expectations validates the current one.

Results stay exactly those of one whole-frame validation (`merge`):
- row-wise expectations (not null, between, in set, regex, column pairs) are
  validated per batch and their counts added;
- uniqueness over columns that include `session_id` is exact per batch (all
  rows of a session are in one batch); uniqueness over other columns is exact
  per batch only if no value of them spans two sessions, which one DuckDB query
  confirms (`spans_sessions`); if one does, that expectation is validated on
  a whole frame of its own columns;
- row-count expectations are validated on a column-less frame of the total
  row count;
- any other expectation is validated on a whole frame of its own columns.
What can differ from a whole-frame run is only which failing rows are quoted
as examples (the first ones in batch order).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Sequence

from classchat.expectations.results import SESSION_KEY, CheckError
from classchat.expectations.suites import MartSuite

DUCKDB_MEMORY = "512MB"  # DuckDB's own share of the checks' memory (it spills past it)
STREAM_ROWS = 65_536  # rows DuckDB hands over at a time while a batch is read
BATCH_ROWS = 250_000  # rows of a per-session suite validated at once (~0.3 GB for the messages suite)
# expectations whose result over a frame is the sum of their results over any split of its rows
ROW_WISE = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_be_of_type",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal",
    "expect_select_column_values_to_be_unique_within_record",
}
# ... the same, for a split that never separates two rows with equal values in the expectation's columns
UNIQUENESS = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
ROW_COUNT = {"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"}


def columns_used(suite) -> list[str]:
    """The columns a suite's expectations look at, in first-use order (what its frame needs to hold)."""
    used: dict[str, None] = {}
    for expectation in suite.expectations:
        for column in expectation_columns(expectation):
            used[column] = None
    return list(used)


def expectation_columns(expectation) -> list[str]:
    """The columns one expectation (an object or its configuration's kwargs) looks at."""
    get = expectation.get if isinstance(expectation, dict) else lambda a, d=None: getattr(expectation, a, d)
    out = [v for v in (get(a) for a in ("column", "column_A", "column_B")) if isinstance(v, str)]
    return out + list(get("column_list") or [])


def numpy_nulls(frame):
    """Replace pandas' masked dtypes (DuckDB gives `Int32` etc. to columns holding NULLs) by numpy ones.

    GX's pandas metrics compare values with plain operators; on a masked column a
    NULL is `pd.NA` and the comparison raises "boolean value of NA is ambiguous"
    instead of counting the row. Integers become float64 (NULL -> NaN; exact
    below 2**53), booleans object (NULL -> None).
    """
    import pandas as pd

    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and hasattr(dtype, "numpy_dtype"):
            if dtype.kind == "b":
                frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
            elif dtype.kind in "iuf":
                frame[name] = frame[name].astype("float64")
    return frame


def _pandas_string(arrow_type):
    """Arrow strings become the string dtype DuckDB's `.df()` gives (pandas 3: Arrow-backed, NaN for NULL)."""
    import numpy as np
    import pandas as pd
    import pyarrow.types as pt

    if pt.is_string(arrow_type) or pt.is_large_string(arrow_type) or pt.is_string_view(arrow_type):
        return pd.StringDtype(na_value=np.nan)
    return None


def _exact_in_arrow(arrow_type) -> bool:
    """Whether an Arrow column becomes in pandas exactly what DuckDB's `.df()` gives (checked equal):
    strings (see `_pandas_string`), numbers, booleans, timestamps without a time zone."""
    import pyarrow.types as pt

    t = arrow_type
    return (
        pt.is_string(t)
        or pt.is_large_string(t)
        or pt.is_string_view(t)
        or pt.is_integer(t)
        or pt.is_floating(t)
        or pt.is_boolean(t)
        or (pt.is_timestamp(t) and t.tz is None)
    )


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


@dataclass(frozen=True)
class Batch:
    """Rows of the sessions from `low` to `high` (sorted by id), or (`nulls`) the rows without a session."""

    low: str | None
    high: str | None
    rows: int
    nulls: bool = False


class SuiteReader:
    """A suite's rows from the warehouse: read-only, one connection for the suite, closed after it."""

    def __init__(
        self, warehouse: Path, spec: MartSuite, since: datetime | None, columns: Sequence[str]
    ) -> None:
        import duckdb

        self.spec, self.warehouse = spec, warehouse
        try:
            self.con = duckdb.connect(str(warehouse), read_only=True, config={"memory_limit": DUCKDB_MEMORY})
        except duckdb.Error as exc:
            raise CheckError(f"cannot open {warehouse} read-only: {exc}") from exc
        self._where, self._params = ("where landed_at >= ?", [since]) if since is not None else ("", [])
        self.available: set[str] = set()
        self.columns = list(columns)
        self.projection = "*"
        if columns:  # a column the query lacks is left for GX to report as missing
            self.available = {
                d[0] for d in self._run(f"select * from ({spec.query}) as suite_rows limit 0").description
            }
            keep = [c for c in columns if c in self.available]
            self.projection = ", ".join(_quote(c) for c in keep) if keep else "*"

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "SuiteReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self, sql: str, params: Sequence[Any] = (), con=None):
        import duckdb

        try:
            return (con or self.con).execute(sql, list(params))
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CheckError(
                f"suite '{self.spec.name}': cannot read its data from {self.warehouse}: {first}"
            ) from exc

    def _rows(self, extra: str = "", projection: str | None = None) -> str:
        where = " and ".join(w for w in (self._where.removeprefix("where "), extra) if w)
        return f"select {projection or self.projection} from ({self.spec.query}) as suite_rows" + (
            f" where {where}" if where else ""
        )

    def frame(self, batch: Batch | None = None, projection: str | None = None, con=None):
        """The rows of `batch` (all rows without one) as a pandas frame."""
        extra, params = "", list(self._params)
        if batch is not None and batch.nulls:
            extra = f"{_quote(SESSION_KEY)} is null"
        elif batch is not None:
            extra = f"{_quote(SESSION_KEY)} between ? and ?"
            params += [batch.low, batch.high]
        sql = self._rows(extra, projection)
        table = self._arrow(sql, params, con)
        if table is None:  # a type whose pandas form differs between the two routes: DuckDB's own
            return numpy_nulls(self._run(sql, params, con).df())
        return numpy_nulls(table.to_pandas(types_mapper=_pandas_string))

    def _arrow(self, sql: str, params: Sequence[Any], con=None):
        """The rows as an Arrow table if every column converts to pandas exactly as DuckDB's `.df()`
        converts it (strings, numbers, booleans, naive timestamps; checked equal), else None.
        The Arrow route is about 2.5 times faster: DuckDB builds Python strings under the GIL."""
        import duckdb

        try:
            table = (con or self.con).sql(sql, params=list(params)).to_arrow_table()
        except duckdb.Error:
            return None  # _run raises it with the suite's name
        if not all(_exact_in_arrow(f.type) for f in table.schema):
            return None
        return table

    def plan(self, max_rows: int) -> tuple[int, list[Batch]]:
        """The total row count and batches of whole sessions, each of at most `max_rows` rows
        (a session larger than that is a batch of its own)."""
        if SESSION_KEY not in self.available:
            return 0, []
        key = _quote(SESSION_KEY)
        counts = self._run(
            f"select {key}, count(*) from ({self._rows(projection=key)}) group by 1 order by 1 nulls last",
            self._params,
        ).fetchall()
        batches: list[Batch] = []
        low, high, rows = None, None, 0
        for session, n in counts:
            if session is None:
                continue
            if rows and rows + n > max_rows:
                batches.append(Batch(low, high, rows))
                low, rows = None, 0
            low = session if low is None else low
            high, rows = session, rows + n
        if rows:
            batches.append(Batch(low, high, rows))
        nulls = sum(n for session, n in counts if session is None)
        if nulls:
            batches.append(Batch(None, None, nulls, nulls=True))
        return sum(n for _, n in counts), batches

    def spans_sessions(self, columns: Sequence[str]) -> bool:
        """Whether rows with equal values in `columns` lie in two sessions (or in a session and none)."""
        return self.spans_sessions_later([columns])[tuple(columns)]()

    def spans_sessions_later(self, column_sets: Sequence[Sequence[str]]) -> dict[tuple, Any]:
        """`spans_sessions` for each set of columns, run by DuckDB on a second cursor while the caller
        validates batches: {tuple(columns): a function that waits for the answer and returns it}."""
        key = _quote(SESSION_KEY)
        answers: dict[tuple, Any] = {}
        cursor = self.con.cursor()

        def work() -> None:
            try:
                for columns in column_sets:
                    cols = ", ".join(_quote(c) for c in columns)
                    sql = (
                        f"select 1 from ({self._rows(projection=f'{cols}, {key}')}) group by {cols} having "
                        f"min({key}) <> max({key}) or (count({key}) < count(*) and count({key}) > 0) limit 1"
                    )
                    answers[tuple(columns)] = bool(self._run(sql, self._params, cursor).fetchall())
            except BaseException as exc:  # handed to the caller when it asks
                answers["error"] = exc
            finally:
                cursor.close()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()

        def answer(columns: tuple) -> Any:
            def wait() -> bool:
                thread.join()
                if "error" in answers:
                    raise answers["error"]
                return answers[columns]

            return wait

        return {tuple(c): answer(tuple(c)) for c in column_sets}

    def batches(self, batches: Sequence[Batch]) -> Iterator[tuple[Batch, Any]]:
        """(batch, frame) in order. One query, ordered by session_id and streamed, is cut into the
        planned batches by their row counts (one scan: a query per batch would read the whole mart
        again for each, as a mart's rows are not stored in session order). The next frame is read
        (on a second cursor) while the caller validates the current one: at most two batches are held."""
        cursor = self.con.cursor()
        try:
            take = self._stream(batches, cursor)
            pending: dict[str, Any] = {}

            def read(batch: Batch) -> threading.Thread:
                def work() -> None:
                    try:
                        pending["frame"] = take(batch)
                    except BaseException as exc:  # handed to the caller below
                        pending["error"] = exc

                thread = threading.Thread(target=work, daemon=True)
                thread.start()
                return thread

            thread = read(batches[0]) if batches else None
            for i, batch in enumerate(batches):
                assert thread is not None
                thread.join()
                if "error" in pending:
                    raise pending.pop("error")
                frame = pending.pop("frame")
                thread = read(batches[i + 1]) if i + 1 < len(batches) else None
                yield batch, frame
                del frame
            if thread is not None:
                thread.join()
        finally:
            cursor.close()

    def _stream(self, batches: Sequence[Batch], cursor):
        """A function giving the frame of each planned batch in turn, from one ordered, streamed query
        (or, if a column's type converts differently through Arrow, from one query per batch)."""
        import duckdb
        import pyarrow as pa
        import pyarrow.compute as pc

        key = _quote(SESSION_KEY)
        try:
            stream = cursor.sql(
                self._rows() + f" order by {key} nulls last", params=list(self._params)
            ).to_arrow_reader(STREAM_ROWS)
        except duckdb.Error:
            stream = None
        if stream is None or not all(_exact_in_arrow(f.type) for f in stream.schema):
            return lambda batch: self.frame(batch, con=cursor)
        held: list = []

        def take(batch: Batch):
            n = sum(b.num_rows for b in held)
            while n < batch.rows:
                chunk = stream.read_next_batch()
                held.append(chunk)
                n += chunk.num_rows
            table = pa.Table.from_batches(held, schema=stream.schema)
            part = table.slice(0, batch.rows)
            held[:] = table.slice(batch.rows).to_batches()
            sessions = part.column(SESSION_KEY)
            if batch.nulls:
                inside = sessions.null_count == part.num_rows
            else:
                bounds = pc.min_max(sessions)
                inside = sessions.null_count == 0 and (
                    bounds["min"].as_py() >= batch.low and bounds["max"].as_py() <= batch.high
                )
            if not inside:  # the stream and the plan disagree: never validate a wrong split
                raise CheckError(f"suite '{self.spec.name}': the batches read do not match the plan")
            return numpy_nulls(part.to_pandas(types_mapper=_pandas_string))

        return take


# ---------------------------------------------------------------------------
# merging per-batch GX results into the result of one whole-frame validation
# ---------------------------------------------------------------------------


def expectation_key(result) -> Any:
    """What identifies one expectation's result across validations of the same suite."""
    config = result.expectation_config
    return config.id or (config.type, repr(sorted(config.kwargs.items())))


def merge_row_wise(results: Sequence[Any], sample: int) -> tuple[bool, dict[str, Any]]:
    """(success, result dict) of a row-wise or batch-exact expectation over all batches together."""
    dicts = [r.result or {} for r in results]
    element = sum(d.get("element_count") or 0 for d in dicts)
    unexpected = sum(d.get("unexpected_count") or 0 for d in dicts)
    missing = sum(d.get("missing_count") or 0 for d in dicts)
    nonmissing = element - missing
    merged = dict(dicts[0])
    figures = {
        "element_count": element,
        "unexpected_count": unexpected,
        "missing_count": missing,
        "missing_percent": missing / element * 100 if element else None,
        "unexpected_percent_total": unexpected / element * 100 if element else None,
        "unexpected_percent_nonmissing": unexpected / nonmissing * 100 if nonmissing else None,
        "unexpected_percent": unexpected / nonmissing * 100 if nonmissing else None,
    }
    merged.update((k, v) for k, v in figures.items() if k in merged)  # the keys GX gave, no others
    for name in ("partial_unexpected_list", "partial_unexpected_index_list"):
        if name in merged:
            merged[name] = [v for d in dicts for v in (d.get(name) or [])][:sample]
    if "partial_unexpected_counts" in merged:
        merged["partial_unexpected_counts"] = _value_counts(
            merged.get("partial_unexpected_list") or [], sample
        )
    mostly = results[0].expectation_config.kwargs.get("mostly")
    if mostly is None:
        success = all(r.success for r in results)
    else:
        success = nonmissing == 0 or (nonmissing - unexpected) / nonmissing >= mostly
    return success, merged


def _value_counts(values: list, limit: int) -> list[dict[str, Any]]:
    """GX's partial_unexpected_counts of a partial_unexpected_list: values by count, most frequent first."""
    try:
        counts = Counter(tuple(v) if isinstance(v, list) else v for v in values)
    except TypeError:
        return [{"value": v, "count": 1} for v in values[:limit]]
    try:
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    except TypeError:
        ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return [{"value": v, "count": n} for v, n in ordered[:limit]]


def recount(result) -> None:
    """Set a suite result's success and statistics from its expectations' results."""
    n = len(result.results)
    ok = sum(bool(r.success) for r in result.results)
    result.success = ok == n
    result.statistics.update(
        evaluated_expectations=n,
        successful_expectations=ok,
        unsuccessful_expectations=n - ok,
        success_percent=ok / n * 100 if n else None,
    )
