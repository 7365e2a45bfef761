"""Shared helpers of the report's pages: data access, privacy, filters, tables, charts, provenance.

Every page of the Streamlit report (reports/app.py, reports/views/*.py) goes
through this module:

* `q(sql, *params)` runs one read-only query through `reports.db` with bound
  parameters and caches the result keyed on the warehouse's path, its stamp
  (`reports.db.stamp`, so a rebuilt warehouse is re-read), the SQL, the
  parameters and the privacy setting. In pseudonymous mode every query runs
  on the pseudonymous warehouse alone (`Ctx.warehouse`, chosen by
  `reports.db.warehouse_for`), which holds no real name: names, person ids,
  @mentions and names in message text are pseudonyms there already
  (docs/privacy.md), so no page can show a name, whatever it selects.
* `choose(...)` is a sidebar selectbox whose choice lives in
  `st.session_state` under a key no widget owns, so the chosen course,
  session or person survives a switch to another page.
* `table(...)` shows a frame and a CSV download button under it (UTF-8 with a
  byte-order mark, so spreadsheet programs read Chinese text correctly).
* `table(...)` also gives every column a label for people (`fmt.column_label`)
  and a format by what it holds (shares as percentages, counts whole), shows
  a missing value as "—", and pins the first column of a wide table, which
  scrolls sideways.
* `show_chart` shows an Altair chart defined with `reports.charts` (fonts
  that carry Chinese, whole-number count axes, years on dates that span
  years); the chart helpers are re-exported here.
* `plain(text)` and `code(text)` (`reports.markup`) put data into a
  Streamlit element that renders markdown so it shows exactly as written.
* The sidebar's footer (the run the figures come from, privacy, docs) is
  `reports.footer`.

`start()` is called by app.py once per script run and fixes the context
(paths, warehouse stamp, privacy) for that run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from classchat.config import Paths, get_paths
from classchat.reports import charts, db, fmt

# Re-exported: the pages format, escape and chart through `ui` (one import per page).
from classchat.reports.charts import (  # noqa: F401
    BAR_COLOR,
    PEAK_COLOR,
    QUESTION_COLOR,
    ROW_HEIGHT,
    count_axis,
    date_axis,
    hbar,
    minute_axis,
    name_axis,
    value_axis,
)
from classchat.reports.fmt import (  # noqa: F401
    MISSING,
    column_label,
    fmt_date,
    fmt_float,
    fmt_int,
    fmt_minutes,
    fmt_pct,
    fmt_seconds,
    fmt_time,
    missing,
    plural,
)
from classchat.reports.markup import WORD_JOINER, code, plain  # noqa: F401
from classchat.reports.privacy import Privacy, privacy_mode
from classchat.reports.queries import csv_text

_CTX_KEY = "_classchat_ctx"
_FILTER_PREFIX = "filter:"
_WIDGET_PREFIX = "widget:"
# Columns that identify a person by an unkeyed hash or a roster key (student numbers): hidden in
# tables (keyed pseudonyms in the pseudonymous warehouse).
KEY_COLUMNS = ("user_id", "user_key")  # hidden from tables: keys, not for reading
# Columns whose text may name people without an @ (message text, and question topic terms).



# --- context of one script run ---------------------------------------------------------


@dataclass(frozen=True)
class Ctx:
    """What one run of the report reads: the data directory, the warehouse and its stamp, privacy."""

    paths: Paths
    stamp: tuple[int, int, int]
    privacy: Privacy | None
    privacy_id: str
    privacy_error: str | None = None

    @property
    def warehouse(self) -> Path:
        """The one file this run reads: the warehouse, or in pseudonymous mode (or a bad setting) its twin."""
        return db.warehouse_for(self.paths.warehouse, self.privacy or Privacy("pseudonymous"))

    @property
    def data_dir(self) -> Path:
        return self.paths.data_dir


def _build_ctx() -> Ctx:
    paths = get_paths()
    privacy: Privacy | None = None
    error = None
    try:
        privacy = Privacy(privacy_mode())  # no key: a reader never needs one (nor makes one)
    except ValueError as exc:  # unknown CLASSCHAT_PRIVACY: refuse rather than show names
        error = str(exc)
    c = Ctx(paths=paths, stamp=(0, 0, 0), privacy=privacy, privacy_id=privacy.mode if privacy else "-",
            privacy_error=error)
    return replace(c, stamp=db.stamp(c.warehouse))


def start() -> Ctx:
    """Fix the context of this script run (called first thing by app.py)."""
    c = _build_ctx()
    st.session_state[_CTX_KEY] = c
    return c


def ctx() -> Ctx:
    """The context of this run (app.py's), or a fresh one when a page runs on its own."""
    c = st.session_state.get(_CTX_KEY)
    return c if isinstance(c, Ctx) else start()


def named() -> bool:
    p = ctx().privacy
    return p is not None and p.named


def name(value: object) -> object:
    """One person's name as read (for labels and selectboxes): in pseudonymous mode the file holds pseudonyms."""
    return value


# --- data ----------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=2048)
def _cached(
    warehouse: str,
    stamp: tuple[int, int, int],
    sql: str,
    params: tuple,
    privacy_id: str,
    _privacy: Privacy | None,
) -> pd.DataFrame:
    """One result. `stamp` and `privacy_id` only key the cache: a rebuilt warehouse or new setting misses."""
    return db.query(warehouse, sql, list(params))


def q(sql: str, *params: Any) -> pd.DataFrame:
    """Run `sql` (every user value a bound `?`) on the file the privacy setting allows; cached.

    In pseudonymous mode `user_id`/`user_key` are keyed pseudonyms, the same in
    every table of that file: they join and work as parameters.
    """
    c = ctx()
    return _cached(str(c.warehouse), c.stamp, sql, tuple(params), c.privacy_id, c.privacy)


def q_raw(sql: str, *params: Any) -> pd.DataFrame:
    """Like `q` (the same file, so no more names than the setting allows): for keys and counts."""
    c = ctx()
    return _cached(str(c.warehouse), c.stamp, sql, tuple(params), "named", None)


@st.cache_data(show_spinner=False, max_entries=64)
def _tables(warehouse: str, stamp: tuple[int, int, int]) -> frozenset[str]:
    frame = db.query(
        warehouse, "select table_name from information_schema.tables where table_schema = 'main'"
    )
    return frozenset(frame["table_name"].str.lower())


def tables() -> frozenset[str]:
    """The tables and views of the warehouse (older warehouses lack some, e.g. `runs`)."""
    c = ctx()
    return _tables(str(c.warehouse), c.stamp)


def has(table_name: str) -> bool:
    return table_name.lower() in tables()


# --- filters that persist across pages -----------------------------------------------


def _copy_choice(widget_key: str, store_key: str) -> None:
    st.session_state[store_key] = st.session_state[widget_key]


def chosen(name_: str, default: Any = None) -> Any:
    """The value last chosen for filter `name_` on any page (or `default`)."""
    return st.session_state.get(_FILTER_PREFIX + name_, default)


def set_choice(name_: str, value: Any) -> None:
    st.session_state[_FILTER_PREFIX + name_] = value


def choose(
    name_: str,
    label: str,
    options: Sequence[Any],
    *,
    format_func: Callable[[Any], str] = str,
    default: Any = None,
    help: str | None = None,
    where: Any = None,
) -> Any:
    """A selectbox (in the sidebar unless `where` says otherwise) whose choice persists across pages.

    The choice is kept under `filter:<name>` in session state, which no widget
    owns, so Streamlit does not drop it when a page without this widget runs.
    A stored value that is not among `options` falls back to `default`, else
    the first option. Returns the choice (None when there are no options).
    """
    where = st.sidebar if where is None else where
    options = list(options)
    store, widget = _FILTER_PREFIX + name_, _WIDGET_PREFIX + name_
    if not options:
        where.selectbox(label, [MISSING], disabled=True, key=widget + ":empty", help=help)
        return None
    current = st.session_state.get(store)
    if current not in options:
        current = default if default in options else options[0]
    st.session_state[store] = current
    st.session_state[widget] = current  # before the widget exists: sets its value, no warning
    where.selectbox(
        label,
        options,
        key=widget,
        format_func=format_func,
        help=help,
        on_change=_copy_choice,
        args=(widget, store),
    )
    return current


# --- courses and sessions (shared by several pages) ---------------------------------

COURSES_SQL = """
select course_id, count(*)::integer as n_sessions, max(session_date) as last_date
from sessions
group by course_id
order by course_id
"""

SESSIONS_OF_COURSE_SQL = """
select session_id, session_date, title, started_at
from sessions
where course_id = ?
order by session_date desc nulls last, started_at desc nulls last, session_id desc
"""


def courses() -> pd.DataFrame:
    return q(COURSES_SQL)


def require_courses() -> pd.DataFrame | None:
    """The courses, or None after saying the warehouse holds no sessions yet."""
    frame = courses()
    if frame.empty:
        st.info("The warehouse holds no sessions yet: add chat exports and run `classchat run`.")
        return None
    return frame


def choose_course(frame: pd.DataFrame | None = None) -> str | None:
    frame = courses() if frame is None else frame
    n = dict(zip(frame["course_id"], frame["n_sessions"]))
    return choose(
        "course",
        "Course",
        list(frame["course_id"]),
        format_func=lambda c: f"{c} ({n[c]} session{'s' if n[c] != 1 else ''})",
    )


def session_label(
    session_date: object, title: object, session_id: str = "", *, markdown: bool = False
) -> str:
    """`2024-06-03 · week1` (`fmt.session_label`); with `markdown`, the title escaped by `plain` for a
    title or caption (options and tables take it as it is)."""
    if markdown:
        text = title if isinstance(title, str) and title.strip() else session_id
        return fmt.session_label(session_date, plain(text))
    return fmt.session_label(session_date, title, session_id)


def choose_session(course: str) -> tuple[str | None, pd.DataFrame]:
    """The session of `course` chosen (newest first by default) and the course's sessions."""
    sessions = q(SESSIONS_OF_COURSE_SQL, course)
    labels = {
        r.session_id: session_label(r.session_date, r.title, r.session_id) for r in sessions.itertuples()
    }
    session_id = choose(
        "session",
        "Session",
        list(sessions["session_id"]),
        format_func=lambda s: labels.get(s, s),
        help="Newest first.",
    )
    return session_id, sessions


# --- tables ---------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "table"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV, UTF-8 with a byte-order mark (spreadsheets then read Chinese correctly).

    Written by `reports.queries.csv_text`, the one CSV writer (`classchat query --format csv` too):
    lists as JSON, ISO dates, and text cells that a spreadsheet would run as a formula neutralised.
    """
    return csv_text(frame).encode("utf-8-sig")


def download(frame: pd.DataFrame, name_: str, *, label: str = "Download CSV", key: str | None = None) -> None:
    """A CSV download button for `frame`; the file is made only when clicked."""
    st.download_button(
        label,
        data=lambda: csv_bytes(frame),
        file_name=f"{_slug(name_)}.csv",
        mime="text/csv",
        key=f"download:{key or name_}",
        on_click="ignore",
        icon=":material/download:",
        help=f"{len(frame):,} row{'s' if len(frame) != 1 else ''} as CSV (UTF-8)",
    )


def _default_column(frame: pd.DataFrame, col: str) -> Any:
    """A column's look when the page says nothing: a human label, and a format by what it holds."""
    label = column_label(col)
    dtype = frame[col].dtype
    if col.endswith("share") or col in ("layout_fit",):
        return st.column_config.NumberColumn(label, format="percent")
    if pd.api.types.is_bool_dtype(dtype):
        return st.column_config.CheckboxColumn(label)
    if pd.api.types.is_integer_dtype(dtype):
        return st.column_config.NumberColumn(label, format="%d")
    if pd.api.types.is_float_dtype(dtype):
        digits = 2 if "gini" in col else 0 if col.endswith(("_seconds", "_minutes")) else 1
        return st.column_config.NumberColumn(label, format=f"%.{digits}f")
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if col.endswith("_date") or col.endswith("_on"):
            return st.column_config.DateColumn(label, format="YYYY-MM-DD")
        return st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm")
    return st.column_config.TextColumn(label)


def column_config_for(frame: pd.DataFrame, given: dict[str, Any] | None) -> dict[str, Any]:
    """Every column of `frame` configured: the page's settings, a human label on each (`fmt.column_label`)
    where the page gave none, keys hidden (`KEY_COLUMNS`)."""
    config = dict(given or {})
    for col in KEY_COLUMNS:  # hidden in both modes (keyed pseudonyms are still keys)
        if col in frame.columns and col not in config:
            config[col] = None
    for col in frame.columns:
        if col not in config:
            config[col] = _default_column(frame, col)
        elif isinstance(config[col], dict) and not config[col].get("label"):
            config[col] = {**config[col], "label": column_label(col)}
    return config


# A table with more columns than fit at 1280 px scrolls sideways with its first column pinned.
PIN_FIRST_FROM = 8


def table(
    frame: pd.DataFrame,
    name_: str,
    *,
    column_config: dict[str, Any] | None = None,
    height: int | str = "auto",
    key: str | None = None,
    empty: str | None = None,
    csv_only: Sequence[str] = (),
) -> None:
    """Show `frame` with a CSV download under it (or the `empty` note when it has no rows).

    `csv_only` columns are in the CSV but not on screen (so a table fits at 1280 px).

    Every header is a label for people, missing values read "—", and a wide table scrolls
    sideways by design with its first column pinned (the CSV keeps the column names and blanks).
    """
    if frame.empty and empty is not None:
        st.caption(empty)
        return
    config = column_config_for(frame, column_config)
    kept = [c for c in frame.columns if config.get(c) is not None]  # in the CSV
    for col in csv_only:
        if col in config:
            config[col] = None
    shown = [c for c in kept if config.get(c) is not None]  # on screen
    if len(shown) >= PIN_FIRST_FROM and isinstance(config[shown[0]], dict):
        config[shown[0]] = {**config[shown[0]], "pinned": True}
    display = frame
    for col in shown:  # shares as whole percentages (Streamlit's "percent" shows 75.61%)
        c = config[col]
        if isinstance(c, dict) and c.get("type_config", {}).get("format") == "percent":
            display = display.assign(**{col: pd.to_numeric(display[col], errors="coerce") * 100})
            config[col] = {**c, "type_config": {**c["type_config"], "format": "%.0f%%"}}
    st.dataframe(
        display, hide_index=True, width="stretch", column_config=config, height=height, placeholder=MISSING
    )
    download(frame[kept], name_, key=key)


# --- charts ---------------------------------------------------------------------------------


def show_chart(chart: alt.TopLevelMixin, *, key: str | None = None) -> None:
    """Render an Altair chart (`reports.charts`: fonts that carry Chinese, labels that are never cut)."""
    st.altair_chart(charts.configured(chart), width="stretch", key=key)


def figure_metrics(figures: Sequence[tuple[str, str, str, str]], n_columns: int) -> None:
    """A row of metrics from (key, label, value, note) figures (reports/attendance_text.py, shared with
    the HTML export's cards); the note becomes the metric's help sentence."""
    for col, (_key, label, value, note) in zip(st.columns(n_columns), figures):
        col.metric(label, value, help=f"{note[0].upper()}{note[1:]}.")

