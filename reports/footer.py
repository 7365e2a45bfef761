"""Where the report's figures come from: the latest run, the docs, and the sidebar's footer.

Owns the provenance shown in the report: the latest run recorded in the
warehouse (`runs`, cached on the warehouse's stamp), the line naming it (run
id, command, end, outcome, version), where dbt's docs and the checks' Data
Docs are, and the foot of the sidebar that shows all of it with the privacy
setting and the data directory.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from classchat.reports import db, ui

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
    c = ui.ctx()
    return _latest_run(str(c.warehouse), c.stamp)


def docs_paths() -> dict[str, Path]:
    d = ui.ctx().data_dir
    return {
        "dbt_site": d / "docs" / "dbt" / "index.html",
        "dbt_static": d / "docs" / "dbt" / "static_index.html",
        "gx_site": d / "quality" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html",
    }


def provenance_line() -> str:
    """Which run the figures come from (or when the warehouse was built, without a runs table); markdown."""
    c = ui.ctx()
    built = datetime.fromtimestamp(c.stamp[0] / 1e9).strftime("%Y-%m-%d %H:%M") if c.stamp[0] else "?"
    run = latest_run()
    if run is None:
        return f"Warehouse built {built} (it records no runs)."
    ended = run.get("ended_at")
    when = pd.Timestamp(ended).strftime("%Y-%m-%d %H:%M") if not ui.missing(ended) else built
    parts = [f"Figures from run {ui.code(run.get('run_id'))}"]
    if run.get("command"):
        parts.append(ui.code(f"classchat {run['command']}"))
    parts.append(f"finished {when}")
    if run.get("outcome"):
        parts.append(ui.plain(str(run["outcome"]).replace("_", " ")))
    if run.get("classchat_version"):
        parts.append(f"classchat {ui.plain(run['classchat_version'])}")
    return " · ".join(parts) + "."


def sidebar_footer() -> None:
    """Provenance, privacy and docs at the foot of the sidebar."""
    c = ui.ctx()
    with st.sidebar:
        st.divider()
        st.caption(provenance_line())
        mode = "pseudonyms (`CLASSCHAT_PRIVACY=pseudonymous`)" if not ui.named() else "names as in the exports"
        st.caption(f"People shown by {mode}. Data directory {ui.code(c.data_dir)}.")
        docs = docs_paths()
        with st.expander("Documentation", icon=":material/menu_book:"):
            static = docs["dbt_static"] if docs["dbt_static"].is_file() else None
            site = docs["dbt_site"]
            if site.is_file() or static:
                st.markdown(f"Tables and columns (dbt docs): {ui.code(site if site.is_file() else static)}")
            else:
                st.markdown(f"dbt docs not built yet (`classchat docs` writes {ui.code(site)}).")
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
                st.markdown(f"Check results (GX Data Docs): {ui.code(gx)}")
            else:
                st.markdown(f"GX Data Docs not built yet (`classchat check` writes {ui.code(gx)}).")
            st.caption("The rules behind every figure: docs/contract.md in the project.")
