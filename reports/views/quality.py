"""Data quality: can the figures be trusted, and did every file make it in?

The latest Great Expectations results per suite (`<data_dir>/quality/latest.json`,
written by the check stage, and the warehouse's `quality_results`), the files
ingested with their status (`ingested_files`: landed, duplicate, failed,
needs_date, with the reason in words), the files waiting for a date, the
rejected lines with their reasons (`rejected_lines`; their raw text is hidden
in pseudonymous mode because it may hold names), and the runs the warehouse
records.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import streamlit as st

from classchat.reports import footer, ui

RESULTS_SQL = """
select suite, expectation, column_name, severity, success, observed, description
from quality_results
order by suite, success, severity, expectation, column_name
"""

CHECKED_AT_SQL = "select max(checked_at) as checked_at from quality_results"

FILES_SQL = """
select source_file, status, reason, layout, layout_fit, poor_fit, encoding, session_id, n_lines, n_messages,
       n_rejected_lines, ingested_at
from ingested_files
order by case status when 'quarantined' then 0 when 'failed' then 1 when 'needs_date' then 2
                     when 'duplicate' then 3 else 4 end,
         source_file
"""

REJECTS_BY_REASON_SQL = """
select reason, count(*) as n_lines, count(distinct source_file) as n_files
from rejected_lines
group by reason
order by n_lines desc, reason
"""

REJECTS_SQL = """
select source_file, line_no, reason, raw_text
from rejected_lines
order by source_file, line_no
limit 5000
"""

STATUS_HELP = {
    "landed": "in the warehouse",
    "duplicate": "same bytes as a landed file: skipped",
    "failed": "could not be read: see the reason",
    "needs_date": "no date in its name or in raw/sessions.csv",
    "quarantined": "landed, but its session failed a critical check and is left out: fix or remove the file",
}


def _utc(value: object) -> str:
    """A check time as 'YYYY-MM-DD HH:MM UTC' (times without a zone are taken as UTC)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "?"
    ts = pd.Timestamp(value)
    ts = ts.tz_convert("UTC") if ts.tzinfo is not None else ts
    return ts.strftime("%Y-%m-%d %H:%M UTC")


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'")


def _mask_examples(frame: pd.DataFrame) -> pd.DataFrame:
    """In pseudonymous mode, the quoted example values in `observed` (they may be names) become '…'."""
    if ui.named() or "observed" not in frame.columns:
        return frame
    return frame.assign(
        observed=frame["observed"].map(lambda v: _QUOTED.sub("'…'", v) if isinstance(v, str) else v)
    )


def _latest() -> dict | None:
    path = ui.ctx().paths.quality / "latest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        st.warning(f"Cannot read {ui.code(path)}: {ui.plain(exc)}")
        return None


def _suites_frame(latest: dict) -> pd.DataFrame:
    rows = []
    for name, s in (latest.get("suites") or {}).items():
        if s.get("success"):
            status = "passed"
        elif s.get("n_failed_critical"):
            status = "FAILED"
        else:
            status = "warnings"
        rows.append(
            {
                "suite": name,
                "status": status,
                "rows_checked": s.get("n_rows"),
                "expectations": s.get("n_expectations"),
                "failed": s.get("n_failed"),
                "failed_critical": s.get("n_failed_critical"),
            }
        )
    return pd.DataFrame(
        rows, columns=["suite", "status", "rows_checked", "expectations", "failed", "failed_critical"]
    )


def _checks() -> None:
    st.subheader("Checks (Great Expectations)")
    latest = _latest()
    if latest is None:
        st.info(
            "The checks have not run on this data directory yet: "
            "`classchat run` (or `classchat check`) runs them."
        )
    else:
        when = _utc(latest.get("checked_at"))
        suites = _suites_frame(latest)
        n_ok = int((suites["status"] == "passed").sum())
        if latest.get("success") and n_ok == len(suites):
            st.success(f"All {len(suites)} suites passed (checked {when}).", icon=":material/check_circle:")
        elif latest.get("success"):
            st.warning(
                f"No critical failure, but {len(suites) - n_ok} suite(s) have warnings (checked {when})."
            )
        else:
            st.error(f"A critical expectation failed (checked {when}); the figures may be wrong.")
        ui.table(
            suites,
            "quality_suites",
            column_config={
                "rows_checked": st.column_config.NumberColumn("rows checked"),
                "failed_critical": st.column_config.NumberColumn("failed (critical)"),
            },
        )
        failed = [
            {"suite": name, **f}
            for name, s in (latest.get("suites") or {}).items()
            for f in s.get("failed") or []
        ]
        if failed:
            st.markdown("**Failed expectations**")
            ui.table(_mask_examples(pd.DataFrame(failed)), "quality_failed")
    if ui.has("quality_results"):
        results = _mask_examples(ui.q(RESULTS_SQL))
        stored = ui.q(CHECKED_AT_SQL)["checked_at"].iloc[0] if not results.empty else None
        with st.expander(f"Every expectation of the checks stored in the warehouse ({len(results)})"):
            if stored is not None and not pd.isna(stored):
                st.caption(f"Checked {_utc(stored)}.")
            ui.table(
                results,
                "quality_results",
                column_config={
                    "column_name": st.column_config.TextColumn("column"),
                    "success": st.column_config.CheckboxColumn("passed"),
                    "description": st.column_config.TextColumn("what it checks", width="large"),
                },
            )
    docs = footer.docs_paths()["gx_site"]
    where = (
        f"Data Docs of the checks: {ui.code(docs)}."
        if docs.is_file()
        else "Data Docs of the checks are not built yet."
    )
    st.caption(f"{where} Results as JSON: {ui.code(ui.ctx().paths.quality / 'results')}.")


def _files() -> None:
    st.subheader("Files ingested")
    if not ui.has("ingested_files"):
        st.caption("This warehouse has no `ingested_files` table; rebuild it with `classchat run`.")
        return
    files = ui.q(FILES_SQL)
    counts = files["status"].value_counts().to_dict()
    cols = st.columns(len(STATUS_HELP))
    for col, status in zip(cols, list(STATUS_HELP), strict=True):
        col.metric(status.replace("_", " "), ui.fmt_int(counts.get(status, 0)), help=STATUS_HELP[status])
    ui.table(
        files,
        "ingested_files",
        column_config={
            "source_file": st.column_config.TextColumn("file (under raw/)"),
            "reason": st.column_config.TextColumn("reason", width="medium"),
            "n_lines": st.column_config.NumberColumn("lines"),
            "n_messages": st.column_config.NumberColumn("messages"),
            "n_rejected_lines": st.column_config.NumberColumn("rejected lines"),
            "layout_fit": st.column_config.NumberColumn("layout fit", format="percent"),
            "poor_fit": st.column_config.CheckboxColumn("poor fit"),
            "ingested_at": st.column_config.DatetimeColumn("ingested", format="YYYY-MM-DD HH:mm"),
        },
    )

    st.subheader("Files that fit their layout poorly")
    poor = files[files["poor_fit"].fillna(False).astype(bool)][["source_file", "layout", "layout_fit", "status"]]
    if poor.empty:
        st.caption("None: every landed file reads cleanly as its layout.")
    else:
        st.warning(
            f"{len(poor)} file(s) landed, but many of their lines do not read the way their layout expects: "
            "their messages may be misread. Run `classchat ingest --explain FILE` to see how each line was read."
        )
        ui.table(poor, "files_with_a_poor_fit")

    st.subheader("Files waiting for a date")
    waiting = files[files["status"] == "needs_date"][["source_file", "reason"]]
    if waiting.empty:
        st.caption("None: every file has a date.")
    else:
        st.warning(
            f"{len(waiting)} file(s) are not in the report because their date is unknown. Name each file "
            "`YYYY-MM-DD_<title>.txt`, or add a row `file,date,...` to `raw/sessions.csv`, "
            "then run `classchat run`."
        )
        ui.table(waiting, "files_waiting_for_a_date")


def _rejects() -> None:
    st.subheader("Rejected lines")
    if not ui.has("rejected_lines"):
        st.caption("This warehouse has no `rejected_lines` table; rebuild it with `classchat run`.")
        return
    by_reason = ui.q(REJECTS_BY_REASON_SQL)
    if by_reason.empty:
        st.caption("None: every line of every landed file is in a message.")
        return
    st.caption(f"{int(by_reason['n_lines'].sum()):,} input lines are in no message. By reason:")
    ui.table(
        by_reason,
        "rejected_lines_by_reason",
        column_config={
            "n_lines": st.column_config.NumberColumn("lines"),
            "n_files": st.column_config.NumberColumn("files"),
        },
    )
    rejects = ui.q(REJECTS_SQL)
    if not ui.named():
        rejects = rejects.assign(raw_text="(hidden: pseudonymous mode)")
    with st.expander(f"The lines ({len(rejects):,}{' shown, at most 5000' if len(rejects) >= 5000 else ''})"):
        ui.table(
            rejects,
            "rejected_lines",
            column_config={
                "line_no": st.column_config.NumberColumn("line"),
                "raw_text": st.column_config.TextColumn("text", width="large"),
            },
        )


def _runs() -> None:
    st.subheader("Runs")
    if not ui.has("runs"):
        st.caption("This warehouse records no runs (it was built before provenance was kept).")
        return
    runs = ui.q(footer.RUNS_SQL)
    keep = [
        c
        for c in [
            "run_id",
            "command",
            "started_at",
            "ended_at",
            "outcome",
            "detail",
            "classchat_version",
            "dbt_version",
            "duckdb_version",
            "polars_version",
            "great_expectations_version",
            "n_input_files",
            "inputs_sha256",
        ]
        if c in runs.columns
    ]
    st.caption(footer.provenance_line())
    ui.table(
        runs[keep],
        "runs",
        column_config={
            "started_at": st.column_config.DatetimeColumn("started", format="YYYY-MM-DD HH:mm:ss"),
            "ended_at": st.column_config.DatetimeColumn("ended", format="YYYY-MM-DD HH:mm:ss"),
            "detail": st.column_config.TextColumn("detail", width="large"),
        },
    )


def render() -> None:
    st.title("Data quality")
    _checks()
    _files()
    _rejects()
    _runs()


render()
