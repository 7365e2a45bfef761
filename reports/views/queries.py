"""Queries: the named SQL queries of `reports/queries/`, without a terminal.

Pick a query, set its parameters (a course or session parameter offers the
warehouse's courses and sessions, starting from the ones chosen on the other
pages), see the SQL and the result, and download it as CSV. Queries run
through `reports.queries.run_query` (read-only, parameters bound by DuckDB,
privacy applied) and their results are cached on the warehouse's stamp.
"""

from __future__ import annotations

import shlex
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from classchat.reports import db, queries, ui

ALL_SESSIONS_SQL = """
select session_id, course_id, session_date, title
from sessions
order by course_id, session_date desc nulls last, session_id desc
"""


@st.cache_data(show_spinner=False, max_entries=512)
def _run(
    warehouse: str,
    stamp: tuple[int, int, int],
    name: str,
    sql: str,
    params: tuple,
    privacy_id: str,
    _privacy: Any,
) -> pd.DataFrame:
    """One named query's result; `stamp`, `sql` and `privacy_id` only key the cache."""
    return queries.run_query(warehouse, name, dict(params), privacy=_privacy)


def _param_widget(query: queries.NamedQuery, p: queries.Param) -> Any:
    """A widget for one parameter; returns its value (None = not given, so the default applies)."""
    key = f"query:{query.name}:{p.name}"
    label = f"{p.name}{' *' if p.required else ''}"
    help_ = f"{p.doc} ({p.describe()})" if p.doc else p.describe()
    if p.type == "varchar" and p.name in ("course", "course_id"):
        options = list(ui.courses()["course_id"])
        if not p.required:
            options = ["", *options]
        current = ui.chosen("course")
        index = options.index(current) if current in options else 0
        value = st.selectbox(
            label, options, index=index, key=key, help=help_, format_func=lambda c: c or "(every course)"
        )
        return value or None
    if p.type == "varchar" and p.name in ("session", "session_id"):
        sessions = ui.q(ALL_SESSIONS_SQL)
        labels = {
            r.session_id: f"{r.course_id} · {ui.session_label(r.session_date, r.title, r.session_id)}"
            for r in sessions.itertuples()
        }
        options = list(sessions["session_id"])
        if not p.required:
            options = ["", *options]
        current = ui.chosen("session")
        index = options.index(current) if current in options else 0
        value = st.selectbox(
            label,
            options,
            index=index,
            key=key,
            help=help_,
            format_func=lambda s: labels.get(s, s) if s else "(every session)",
        )
        return value or None
    if p.type == "integer":  # the declared range bounds the widget too (the query refuses values outside it)
        return st.number_input(
            label, value=p.default, step=1, key=key, help=help_, placeholder="empty",
            min_value=None if p.low is None else int(p.low), max_value=None if p.high is None else int(p.high),
        )
    if p.type == "double":
        return st.number_input(
            label, value=p.default, step=0.1, format="%.2f", key=key, help=help_, placeholder="empty",
            min_value=None if p.low is None else float(p.low), max_value=None if p.high is None else float(p.high),
        )
    if p.type == "date":
        return st.date_input(label, value=p.default, key=key, help=help_)
    if p.type == "boolean":
        if p.required or p.default is not None:
            return st.checkbox(label, value=bool(p.default), key=key, help=help_)
        choice = st.selectbox(
            label, ["", "true", "false"], key=key, help=help_, format_func=lambda v: v or "(either)"
        )
        return None if choice == "" else choice == "true"
    value = st.text_input(label, value="" if p.default is None else str(p.default), key=key, help=help_)
    return value if value.strip() else None


def render() -> None:
    st.title("Queries")
    try:
        library = queries.list_queries()
    except queries.QueryError as exc:
        st.error(f"A query file is broken: {ui.plain(exc)}")
        return
    if not library:
        st.info(f"No queries in {ui.code(queries.QUERIES_DIR)}.")
        return
    by_name = {qy.name: qy for qy in library}
    name = ui.choose(
        "query",
        "Query",
        list(by_name),
        format_func=lambda n: by_name[n].title,
        where=st,
        help="The reproducible SQL queries of reports/queries/; `classchat query NAME` runs the same.",
    )
    query = by_name[name]
    st.markdown(ui.plain(query.description))

    values: dict[str, Any] = {}
    if query.params:
        cols = st.columns(min(3, len(query.params)))
        for i, p in enumerate(query.params):
            with cols[i % len(cols)]:
                values[p.name] = _param_widget(query, p)
    with st.expander(f"SQL · `reports/queries/{query.name}.sql`"):
        st.code(query.sql, language="sql")
    cli = " ".join(
        [f"classchat query {query.name}"]
        + [
            f"--param {shlex.quote(f'{k}={queries.literal(v)}')}"
            for k, v in values.items()
            if v is not None and v != ""
        ]
    )
    st.caption(f"From a terminal: {ui.code(cli)}")

    missing = [p.name for p in query.params if p.required and values.get(p.name) in (None, "")]
    if missing:
        st.info(f"Set {', '.join(missing)} to run the query.")
        return
    given = tuple(sorted((k, v) for k, v in values.items() if v is not None))
    c = ui.ctx()
    try:
        result = _run(str(c.warehouse), c.stamp, query.name, query.sql, given, c.privacy_id, c.privacy)
    except queries.QueryError as exc:
        st.error(ui.plain(exc))
        return
    except db.LimitExceeded as exc:
        st.error(ui.plain(exc))
        return
    except duckdb.Error as exc:
        st.error(f"The query failed: {ui.plain(str(exc).splitlines()[0])}")
        return
    st.subheader(f"Result ({len(result):,} row{'s' if len(result) != 1 else ''})")
    st.caption(ui.plain(queries.provenance(result)))
    note = queries.cut_note(result)
    if note:  # cut at the row cap (a warning), or shorter than the limit asked for (information)
        (st.warning if result.attrs.get("classchat", {}).get("cut") else st.info)(ui.plain(note))
    shown_ids = {col: st.column_config.TextColumn(ui.column_label(col)) for col in ui.KEY_COLUMNS if col in result.columns}
    ui.table(result, f"{query.name}", column_config=shown_ids, empty="No rows.")


render()
