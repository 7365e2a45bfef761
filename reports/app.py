"""The classchat report: a multipage Streamlit app for teachers, TAs and coordinators.

This script is the app's entry point (`classchat report`, or `streamlit run
reports/app.py`). It owns the navigation and what every page shares: it fixes
the run's context (data directory, warehouse stamp, privacy setting; see
`reports.ui`), refuses to show anything without a usable warehouse (saying how
to build one), runs the chosen page from `reports/views/`, and writes the
sidebar footer naming the run the figures come from. The pages:

* Overview — courses side by side and their trends over the term.
* Course — a course's sessions as a table and as trends; who carries the chat, who is silent.
* Session — one class: activity per minute with its peaks, questions and answers,
  topics, tech trouble, participants, every message (searchable).
* People — one person across sessions and courses.
* Attendance — from attendance reports: a course's term grid, who may need support, names to resolve.
* Data quality — the latest checks, the files ingested, rejected lines, files waiting for a date.
* Queries — the named SQL queries of `reports/queries/`, with parameters, SQL and CSV.

The page scripts live in `reports/views/`, not `reports/pages/`: Streamlit
treats a `pages/` folder beside the entry point as an old-style multipage app
on a process's first run (it then runs the folder's files itself, bypassing
this script's navigation, its checks and its footer).

Pages read the warehouse only through `reports.ui.q` (read-only and locked
down by `reports.db`, parameters bound, results cached on the warehouse's
stamp, privacy applied). `streamlit run` executes this file as a script, so it
puts the folder holding the `classchat` package on `sys.path` itself before importing the project.
"""

from __future__ import annotations

import sys
from pathlib import Path

# the folder that holds the `classchat` package: the checkout's root, or site-packages when installed
_HOME = next(p for p in Path(__file__).resolve().parents if (p / "classchat" / "__init__.py").is_file())
if str(_HOME) not in sys.path:
    sys.path.insert(0, str(_HOME))

import duckdb  # noqa: E402
import streamlit as st  # noqa: E402

from classchat.reports import db, footer, ui  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "views"


def _pages() -> dict[str, list[st.Page]]:
    """The pages by section. Every page answers at its own URL (`/course`, `/quality`, ...): the
    Overview is the landing page at `/` and also answers at `/overview` (a hidden page running the
    same script; a default page itself answers only at the root)."""
    page = lambda file, title, icon, **kw: st.Page(PAGES_DIR / file, title=title, icon=icon, **kw)  # noqa: E731
    return {
        "Report": [
            page("overview.py", "Overview", ":material/dashboard:", url_path="home", default=True),
            page("overview.py", "Overview", ":material/dashboard:", url_path="overview", visibility="hidden"),
            page("course.py", "Course", ":material/school:", url_path="course"),
            page("session.py", "Session", ":material/forum:", url_path="session"),
            page("people.py", "People", ":material/person:", url_path="people"),
            page("attendance.py", "Attendance", ":material/how_to_reg:", url_path="attendance"),
        ],
        "Data": [
            page("quality.py", "Data quality", ":material/fact_check:", url_path="quality"),
            page("queries.py", "Queries", ":material/database:", url_path="queries"),
        ],
    }


def main() -> None:
    st.set_page_config(page_title="classchat", page_icon="💬", layout="wide")
    ctx = ui.start()
    current = st.navigation(_pages())

    if ctx.privacy_error:
        st.error(
            f"The privacy setting is not valid: {ui.plain(ctx.privacy_error)}. "
            "Nothing is shown until it is fixed."
        )
        st.stop()
    if not ctx.warehouse.is_file():
        st.info(
            f"No warehouse at {ui.code(ctx.warehouse)} yet.\n\n"
            "Put chat exports under `raw/<course>/` in the data directory and run `classchat run` "
            "to build it (or `classchat demo` to try it on generated sample courses). "
            "The data directory is `./data` unless `--data-dir` or `CLASSCHAT_DATA_DIR` says otherwise."
        )
        st.stop()

    try:
        try:
            marts_there = ui.has("sessions")
        except duckdb.Error as exc:
            marts_there, detail = False, str(exc).splitlines()[0]
        else:
            detail = "it holds no marts"
        if not marts_there:
            st.error(
                f"The warehouse at {ui.code(ctx.warehouse)} has no `sessions` table; rebuild it with "
                f"`classchat run`.\n\n({ui.plain(detail)})"
            )
            st.stop()
        current.run()
        footer.sidebar_footer()
    except db.WarehouseBusy:
        # A `classchat run` holds the write lock; any query of this run may meet it.
        st.warning("The warehouse is being rebuilt right now. Reload this page in a moment.")
    except db.LimitExceeded as exc:
        # A page's own query ran past the time or memory limit (reports.db.LIMITS).
        st.error(f"This page could not be shown: {ui.plain(exc)}.")


main()
