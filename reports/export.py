"""The static HTML export: one self-contained file about a course or a session that staff can email.

This module owns `classchat export` (DESIGN.md, "Command line"): `export_html()`
renders the document and `write_export()` writes it atomically
(`classchat.files.atomic_path`). The file needs nothing but itself to open from
an email attachment or a USB stick:

- no network at all: no scripts, no external style sheets, fonts or images; a
  Content-Security-Policy meta tag forbids every fetch as a second line of defence;
- charts are inline SVG: the report's own chart definitions (`reports.figures`)
  drawn offline by vl-convert (`reports.chart_svg`), with their text as SVG text,
  so Chinese renders with the reader's own fonts;
- one `<style>` block that also lays the page out for print.

Data is read only through `reports.db.query` (read-only, locked down, bound
parameters) from the file the privacy setting allows (`reports.db.warehouse_for`):
in pseudonymous mode only the pseudonymous warehouse, which holds no real name
(docs/privacy.md). Every value from the data is HTML-escaped: chat text is
untrusted. The text of private (direct) messages is never shown; they are counted in the figures. The footer says where
the figures came from (warehouse file, run id, checks) and how names are shown.

The rooms: `reports.export_data` reads (SQL, finding the course and session),
`reports.export_course` and `reports.export_session` lay out the two kinds of
page, `reports.export_parts` writes the HTML (escaping, cards, tables, footer,
style sheet, document) and `reports.chart_svg` draws the charts; this module puts
them together.

A course export shows the course's key figures, a per-session table, the trend
over the term, the participation distribution and the unanswered questions; a
session export shows the session's key figures, messages per minute with the
peaks marked, the questions with their answers and response times, question
topics, tech trouble, links and the most active participants.
"""

from __future__ import annotations
from __future__ import annotations

from pathlib import Path

from classchat.files import atomic_path
from classchat.reports import db
from classchat.reports.export_course import course_page
from classchat.reports.export_data import Data, find_course, find_session
from classchat.reports.export_parts import html_document, page_footer
from classchat.reports.export_session import session_page
from classchat.reports.fmt import evidence_words, fmt_score  # noqa: F401 - part of this module's API
from classchat.reports.privacy import Privacy

# --- the public API -------------------------------------------------------------


def export_html(
    warehouse: Path,
    *,
    course: str,
    session: str | None = None,
    privacy: Privacy | None = None,
    run: dict | None = None,
) -> str:
    """The export of `course` (or of one of its sessions) as one self-contained HTML document.

    `session` is a session id (`dl101/2024-09-02_intro`), the part of it below the
    course (`2024-09-02_intro`) or a date that names one session of the course.
    `privacy` defaults to $CLASSCHAT_PRIVACY; in pseudonymous mode everything is
    read from the pseudonymous twin of `warehouse` alone. `run` (run_id, ended_at,
    versions, ...) is named in the footer; without it the latest row of the `runs`
    table of the file read is, if there is one.
    Raises ValueError naming the known courses or sessions when one is unknown.
    """
    if privacy is None:
        privacy = Privacy.for_warehouse(Path(warehouse).parent, Path(warehouse))
    warehouse = db.warehouse_for(warehouse, privacy)  # the only file this export opens
    data = Data(warehouse)
    course_row = find_course(data, course)
    if session is None:
        title, body = course_page(data, course_row)
    else:
        session_row = find_session(data, course, session)
        title, body = session_page(data, session_row)
    footer = page_footer(warehouse, privacy, run if run is not None else db.latest_run(warehouse), data)
    return html_document(title, body, footer)


def write_export(
    warehouse: Path,
    *,
    course: str,
    session: str | None = None,
    privacy: Privacy | None = None,
    run: dict | None = None,
    out: Path,
) -> Path:
    """Render the export and write it to `out` atomically; returns `out`.

    The document is written to a temporary file next to `out` and renamed over it,
    so a reader (or a mail client) never sees half a file.
    """
    document = export_html(warehouse, course=course, session=session, privacy=privacy, run=run)
    out = Path(out)
    with atomic_path(out) as tmp:
        tmp.write_text(document, encoding="utf-8", newline="\n")
    return out
