"""Shared helpers of the report's pages: data access, privacy, filters, tables and charts.

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
* `bar_*`/`show_chart` build Altair charts that read well with Chinese text
  (CJK fonts first, no truncated or rotated labels).
* `plain(text)` and `code(text)` put data (names, titles, file names, course
  and session ids, paths, error messages) into a Streamlit element that
  renders markdown (title, header, caption, markdown, info/warning/error,
  tab and expander labels) so it shows exactly as written: no link, no
  bold, no `:red[...]` colour, no HTML, no formula. Widgets' options
  (selectbox `format_func`) and tables are plain text already.
* `sidebar_footer()` names the run the figures come from (the warehouse's
  `runs` table, when it has one), the privacy setting and where the docs are.

`start()` is called by app.py once per script run and fixes the context
(paths, warehouse stamp, privacy) for that run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from classchat.config import Paths, get_paths
from classchat.reports import db
from classchat.reports.fmt import fmt_date, fmt_float, fmt_int, fmt_minutes, fmt_pct, fmt_seconds, fmt_time, missing  # noqa: F401
from classchat.reports.privacy import Privacy, privacy_mode
from classchat.reports.queries import csv_text

_CTX_KEY = "_classchat_ctx"
_FILTER_PREFIX = "filter:"
_WIDGET_PREFIX = "widget:"
# Columns that identify a person by an unkeyed hash or a roster key (student numbers): hidden in
# tables (keyed pseudonyms in the pseudonymous warehouse).
KEY_COLUMNS = ("user_id", "user_key")  # hidden from tables: keys, not for reading
# Columns whose text may name people without an @ (message text, and question topic terms).

# Chart text: CJK fonts first so Chinese labels do not fall back glyph by glyph.
FONT = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', 'Source Sans Pro', sans-serif"
)
PEAK_COLOR = "#d62728"
BAR_COLOR = "#4c78a8"
QUESTION_COLOR = "#f58518"


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
        where.selectbox(label, ["–"], disabled=True, key=widget + ":empty", help=help)
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
    """`2024-06-03 · week1`: the date and the title (the session id without one); with `markdown`,
    the title escaped by `plain` for a title or caption (options and tables take it as it is)."""
    text = title if isinstance(title, str) and title.strip() else session_id
    return f"{fmt_date(session_date)} · {plain(text) if markdown else text}"


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


# --- data in markdown ----------------------------------------------------------------

# Every ASCII punctuation character: CommonMark shows a backslash-escaped one literally,
# which also stops emphasis, links, images, HTML, Streamlit's `:color[...]` directives,
# `:material/...:` icons, emoji short codes and $math$.
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# GFM also links bare URLs (`https://`, `www.`) and e-mail addresses found in the text after
# escapes are read, so a WORD JOINER (invisible) goes where it breaks those patterns.
_AUTOLINK = re.compile(r"\\:(?=\\/)|(?i:www)(?=\\\.)|\\@")
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """`text` as markdown that shows it exactly as written, on one line (see the module docstring)."""
    escaped = _MD_PUNCT.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
    return _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, escaped)


def code(text: object) -> str:
    """`text` as an inline code span (ids, paths), whatever backticks it holds; nothing inside is markup."""
    body = _LINE_BREAKS.sub(" ", str(text))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"


# --- formatting -------------------------------------------------------------------


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


def table(
    frame: pd.DataFrame,
    name_: str,
    *,
    column_config: dict[str, Any] | None = None,
    height: int | str = "auto",
    key: str | None = None,
    empty: str | None = None,
) -> None:
    """Show `frame` with a CSV download under it (or the `empty` note when it has no rows)."""
    if frame.empty and empty is not None:
        st.caption(empty)
        return
    config = dict(column_config or {})
    for col in KEY_COLUMNS:  # hidden in both modes (keyed pseudonyms are still keys)
        if col in frame.columns and col not in config:
            config[col] = None
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, height=height)
    download(
        frame.drop(columns=[c for c, v in config.items() if v is None and c in frame.columns]), name_, key=key
    )


# --- charts -----------------------------------------------------------------------------


def show_chart(chart: alt.TopLevelMixin, *, key: str | None = None) -> None:
    """Render an Altair chart with fonts that carry Chinese and labels that are never cut."""
    configured = (
        chart.configure(font=FONT)
        .configure_axis(labelFont=FONT, titleFont=FONT, labelLimit=360, titleFontWeight="normal")
        .configure_legend(labelFont=FONT, titleFont=FONT, labelLimit=360)
        .configure_header(labelFont=FONT, titleFont=FONT, labelLimit=360)
        .configure_title(font=FONT, anchor="start")
    )
    st.altair_chart(configured, width="stretch", key=key)


def minute_axis(field: str = "minute_at", title: str = "time") -> alt.X:
    """A time axis for session-local wall-clock times (zoneless: read as UTC so browsers do not shift it)."""
    return alt.X(
        f"{field}:T",
        timeUnit="utcyearmonthdatehoursminutes",
        title=title,
        axis=alt.Axis(format="%H:%M", labelOverlap=True, labelAngle=0),
    )


def date_axis(field: str = "session_date", title: str = "session date") -> alt.X:
    return alt.X(
        f"{field}:T",
        timeUnit="utcyearmonthdate",
        title=title,
        axis=alt.Axis(format="%m-%d", labelOverlap=True, labelAngle=0),
    )


# Rows of a chart with one name per row: CJK fonts have tall line boxes, and Vega hides a
# label whose box touches its neighbour's, so rows get room and no label is ever dropped.
ROW_HEIGHT = 26


def name_axis(**kw: Any) -> alt.Axis:
    """An axis of names or terms (often Chinese): every label shown, none cut or rotated."""
    return alt.Axis(labelOverlap=False, labelLimit=360, labelAngle=0, labelPadding=6, **kw)


def hbar(
    frame: pd.DataFrame,
    label: str,
    value: str,
    *,
    label_title: str = "",
    value_title: str = "",
    color: str | None = None,
    tooltip: list[Any] | None = None,
    value_format: str | None = None,
) -> alt.Chart:
    """Horizontal bars, longest first: labels (often Chinese) read along the bar, unrotated and uncut."""
    height = max(60, ROW_HEIGHT * len(frame) + 30)
    enc: dict[str, Any] = {
        "y": alt.Y(f"{label}:N", sort="-x", title=label_title or None, axis=name_axis()),
        "x": alt.X(
            f"{value}:Q",
            title=value_title or value,
            axis=alt.Axis(format=value_format) if value_format else alt.Axis(),
        ),
        "tooltip": tooltip
        or [alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", format=value_format or "")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", legend=alt.Legend(orient="top", title=None))
    else:
        enc["color"] = alt.value(BAR_COLOR)
    return alt.Chart(frame).mark_bar().encode(**enc).properties(height=height)


# --- provenance and docs ---------------------------------------------------------------

RUNS_SQL = """
select *
from runs
order by started_at desc nulls last
limit 20
"""


@st.cache_data(show_spinner=False, max_entries=16)
def _latest_run(warehouse: str, stamp: tuple[int, int, int]) -> dict[str, Any] | None:
    return db.latest_run(warehouse)


def latest_run() -> dict[str, Any] | None:
    """The latest run recorded in the warehouse (the one its figures come from), or None."""
    c = ctx()
    return _latest_run(str(c.warehouse), c.stamp)


def docs_paths() -> dict[str, Path]:
    d = ctx().data_dir
    return {
        "dbt_site": d / "docs" / "dbt" / "index.html",
        "dbt_static": d / "docs" / "dbt" / "static_index.html",
        "gx_site": d / "quality" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html",
    }


def provenance_line() -> str:
    """Which run the figures come from (or when the warehouse was built, without a runs table); markdown."""
    c = ctx()
    built = datetime.fromtimestamp(c.stamp[0] / 1e9).strftime("%Y-%m-%d %H:%M") if c.stamp[0] else "?"
    run = latest_run()
    if run is None:
        return f"Warehouse built {built} (it records no runs)."
    ended = run.get("ended_at")
    when = pd.Timestamp(ended).strftime("%Y-%m-%d %H:%M") if not missing(ended) else built
    parts = [f"Figures from run {code(run.get('run_id'))}"]
    if run.get("command"):
        parts.append(code(f"classchat {run['command']}"))
    parts.append(f"finished {when}")
    if run.get("outcome"):
        parts.append(plain(str(run["outcome"]).replace("_", " ")))
    if run.get("classchat_version"):
        parts.append(f"classchat {plain(run['classchat_version'])}")
    return " · ".join(parts) + "."


def sidebar_footer() -> None:
    """Provenance, privacy and docs at the foot of the sidebar."""
    c = ctx()
    with st.sidebar:
        st.divider()
        st.caption(provenance_line())
        mode = "pseudonyms (`CLASSCHAT_PRIVACY=pseudonymous`)" if not named() else "names as in the exports"
        st.caption(f"People shown by {mode}. Data directory {code(c.data_dir)}.")
        docs = docs_paths()
        with st.expander("Documentation", icon=":material/menu_book:"):
            static = docs["dbt_static"] if docs["dbt_static"].is_file() else None
            site = docs["dbt_site"]
            if site.is_file() or static:
                st.markdown(f"Tables and columns (dbt docs): {code(site if site.is_file() else static)}")
            else:
                st.markdown(f"dbt docs not built yet (`classchat docs` writes {code(site)}).")
            download_file = static or (site if site.is_file() else None)
            if download_file is not None:
                st.download_button(
                    "Download the dbt docs (one HTML file)",
                    data=lambda p=download_file: p.read_bytes(),
                    file_name="classchat_dbt_docs.html",
                    mime="text/html",
                    key="download:dbt-docs",
                    on_click="ignore",
                    icon=":material/download:",
                )
            gx = docs["gx_site"]
            if gx.is_file():
                st.markdown(f"Check results (GX Data Docs): {code(gx)}")
            else:
                st.markdown(f"GX Data Docs not built yet (`classchat check` writes {code(gx)}).")
            st.caption("The rules behind every figure: docs/contract.md in the project.")
