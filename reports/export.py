"""The static HTML export: one self-contained file about a course or a session that staff can email.

This module owns `classchat export` (DESIGN.md, "Command line"): `export_html()`
renders the document and `write_export()` writes it atomically
(`classchat.files.atomic_path`). The file needs nothing but itself to open from
an email attachment or a USB stick:

- no network at all: no scripts, no external style sheets, fonts or images; a
  Content-Security-Policy meta tag forbids every fetch as a second line of defence;
- charts are inline SVG drawn here from the data (bars, lines, axes and labels),
  so Chinese text renders with the reader's own fonts;
- one `<style>` block that also lays the page out for print.

Data is read only through `reports.db.query` (read-only, locked down, bound
parameters) from the file the privacy setting allows (`reports.db.warehouse_for`):
in pseudonymous mode only the pseudonymous warehouse, which holds no real name
(docs/privacy.md). Every value from the data is HTML-escaped: chat text is untrusted. The text of private (direct)
messages is never shown; they are counted in the figures. The footer says where
the figures came from (warehouse file, run id, checks) and how names are shown.

A course export shows the course's key figures, a per-session table, the trend
over the term, the participation distribution and the unanswered questions; a
session export shows the session's key figures, messages per minute with the
peaks marked, the questions with their answers and response times, question
topics, tech trouble, links and the most active participants.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from classchat.files import atomic_path
from classchat.reports import db
from classchat.reports.fmt import (
    fmt_date,
    fmt_int,
    fmt_mean,
    fmt_minutes,
    fmt_pct,
    fmt_ratio,
    fmt_seconds,
    fmt_time,
    missing,
)
from classchat.reports.privacy import Privacy

QUIET_MAX_MESSAGES = 2  # "silent-ish": at most this many messages over the whole term
TOP_PEOPLE = 10
MAX_LIST_ROWS = 300  # longer lists (unanswered questions of a big course) are cut, and say so
MAX_TEXT_CHARS = 1000

# --- answer evidence in words -------------------------------------------------------
# The signals of int_questions_answered (docs/answers.md, "Signals and weights") as staff read
# them beside an answer link, so they can judge it. The Session page uses the same words.
EVIDENCE_WORDS: dict[str, str] = {
    "reply": "a reply to (or quote of) the question",
    "addresses_asker": "addresses the asker",
    "addresses_other": "against: addresses someone else",
    "shared_terms": "shares words with the question",
    "answer_cue": "fits the question's form (yes/no, because, how, when, where, how many, what)",
    "cue_mismatch": "against: yes/no to a why/how/what question",
    "staff": "written by staff",
    "helper": "by someone who answered earlier in the session",
    "acknowledged": "the asker thanked or said ok after it",
    "next_message": "the next message",
    "second_message": "the second message after it",
    "thanks": "against: opens with thanks",
    "late": "against: more than a few minutes later",
    "asked_again": "against: the asker asked again before it",
}


def evidence_words(evidence: object) -> str:
    """The signals behind an answer link (a list of signal names) as words, joined by "; "."""
    if evidence is None or evidence is pd.NA or isinstance(evidence, float) and math.isnan(evidence):
        return ""
    return "; ".join(EVIDENCE_WORDS.get(str(e), str(e).replace("_", " ")) for e in list(evidence))


def fmt_score(score: object) -> str:
    """An answer score as staff read it: one decimal, no trailing .0."""
    if missing(score):
        return ""
    return f"{float(score):.1f}".removesuffix(".0")


# --- SQL (every user value is a bound `?` parameter) ---------------------------

COURSE_IDS_SQL = "select course_id from courses order by course_id"
COURSE_SQL = "select * from courses where course_id = ?"
SESSIONS_SQL = """
select * from sessions where course_id = ?
order by session_date, started_at nulls last, session_id
"""
SESSION_SQL = "select * from sessions where session_id = ?"

COURSE_PEOPLE_SQL = """
select user_id,
       min(display_name) as display_name,
       arg_min(role, role_rank) as role,  -- user_sessions.role_rank: the warehouse's one precedence
       sum(n_messages)::bigint as n_messages,
       sum(n_questions)::bigint as n_questions,
       sum(n_answers)::bigint as n_answers,
       count(distinct session_id)::bigint as n_sessions
from user_sessions
where course_id = ? and role is distinct from 'system'
group by user_id
order by n_messages desc, display_name
"""

COURSE_UNANSWERED_SQL = """
select m.session_id, s.session_date, s.title, m.sent_at, m.sender_name as asker, m.role, m.body as question,
       m.language, m.is_private, m.is_repeated_question
from messages as m join sessions as s on s.session_id = m.session_id
where m.course_id = ? and m.is_question and m.is_unanswered
order by s.session_date, m.session_id, m.seq
"""

MINUTES_SQL = """
select minute_at, n_messages, n_questions, n_tech_issues, is_peak
from session_minutes where session_id = ? order by minute_at
"""

QUESTIONS_SQL = """
select q.seq, q.sent_at, q.sender_name as asker, q.role, q.body as question, q.language, q.is_private,
       q.is_unanswered, q.is_repeated_question, q.answered_by_message_id as answered_by, q.answer_rule,
       q.answer_source, q.response_seconds, q.answer_score, q.answer_evidence,
       a.sender_name as answerer, a.body as answer, a.language as answer_language,
       a.is_private as answer_is_private
from messages as q left join messages as a on a.message_id = q.answered_by_message_id
where q.session_id = ? and q.is_question
order by q.seq
"""

TOPICS_SQL = "select rank, term, n_questions from question_topics where session_id = ? order by rank"

SESSION_MESSAGES_SQL = """
select sent_at, sender_name, body, language, is_private from messages
where session_id = ? and {where} order by seq
"""
TECH_SQL = SESSION_MESSAGES_SQL.format(where="intent = 'tech_issue'")
LINKS_SQL = SESSION_MESSAGES_SQL.format(where="has_link")

TOP_PARTICIPANTS_SQL = """
select display_name, role, n_messages, n_questions, n_answers, n_tech_issues
from user_sessions
where session_id = ? and role is distinct from 'system'
order by n_messages desc, n_questions desc, display_name
"""

TABLE_EXISTS_SQL = """
select count(*) from information_schema.tables
where table_schema = 'main' and table_name = ?
"""
QUALITY_SQL = """
select max(checked_at) as checked_at, count(*) as n, count(*) filter (where success) as n_passed
from quality_results
"""

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
    data = _Data(warehouse)
    course_row = _find_course(data, course)
    if session is None:
        title, body = _course_page(data, course_row)
    else:
        session_row = _find_session(data, course, session)
        title, body = _session_page(data, session_row)
    footer = _footer(warehouse, privacy, run if run is not None else db.latest_run(warehouse), data)
    return _document(title, body, footer)


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


# --- data access ------------------------------------------------------------------


class _Data:
    """Queries for one export, read-only, on the one file the privacy setting allows."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse

    def frame(self, sql: str, *params: object) -> pd.DataFrame:
        return db.query(self.warehouse, sql, list(params))

    def optional(self, table: str, sql: str, *params: object) -> pd.DataFrame | None:
        """A query on a table the warehouse may lack (None then)."""
        if not _has_table(self.warehouse, table):
            return None
        return self.frame(sql, *params)


def _has_table(warehouse: Path, table: str) -> bool:
    return int(db.query(warehouse, TABLE_EXISTS_SQL, [table]).iloc[0, 0]) > 0


def _find_course(data: _Data, course: str) -> pd.Series:
    row = data.frame(COURSE_SQL, course)
    if row.empty:
        known = list(data.frame(COURSE_IDS_SQL)["course_id"])
        listing = ", ".join(known) if known else "none (the warehouse holds no sessions yet)"
        raise ValueError(f"no course {course!r}; courses: {listing}")
    return row.iloc[0]


def _find_session(data: _Data, course: str, session: str) -> pd.Series:
    sessions = data.frame(SESSIONS_SQL, course)
    ids = list(sessions["session_id"])
    wanted = session.strip()
    match = [s for s in ids if s in (wanted, f"{course}/{wanted}")]
    if not match:  # a date names the session if it is the only one that day
        dates = sessions["session_date"].map(fmt_date)
        match = list(sessions.loc[dates == wanted, "session_id"])
        if len(match) > 1:
            raise ValueError(
                f"{len(match)} sessions of course {course!r} on {wanted}; pick one: {', '.join(match)}"
            )
    if not match:
        raise ValueError(f"no session {session!r} in course {course!r}; sessions: {', '.join(ids) or 'none'}")
    return sessions.loc[sessions["session_id"] == match[0]].iloc[0]


def _quality(data: _Data) -> pd.Series | None:
    frame = data.optional("quality_results", QUALITY_SQL)
    if frame is None or frame.empty or not int(frame.iloc[0]["n"]):
        return None
    return frame.iloc[0]


# --- formatting ---------------------------------------------------------------------


def _e(value: object) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return html.escape("" if missing(value) else str(value), quote=True)


def _true(value: object) -> bool:
    """A nullable boolean from a frame: True only when it is set and true."""
    return not missing(value) and bool(value)


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def _short(text: object, limit: int) -> str:
    s = "" if missing(text) else " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


_LANG = {"zh": "zh-Hans", "en": "en", "ru": "ru"}


def _chat_text(text: object, language: object = None) -> str:
    """A message's text as escaped HTML (line breaks kept by CSS), tagged with its language."""
    s = "" if missing(text) else str(text)
    if len(s) > MAX_TEXT_CHARS:
        s = s[: MAX_TEXT_CHARS - 1] + "…"
    lang = _LANG.get(str(language)) if not missing(language) else None
    attr = f' lang="{lang}"' if lang else ""
    return f'<span class="chat"{attr}>{_e(s)}</span>'


def _role_badge(role: object) -> str:
    if missing(role) or role in ("student", "unknown", "system"):
        return ""
    label = "TA" if role == "ta" else str(role)
    return f' <span class="badge badge-{_e(role)}">{_e(label)}</span>'


def _person_label(name: object, role: object) -> str:
    """A chart label: the name, with the role for staff ("Prof Li (instructor)")."""
    if role in ("instructor", "ta"):
        return f"{name} ({'TA' if role == 'ta' else role})"
    return str(name)


def _session_name(row: pd.Series) -> str:
    title = row.get("title")
    return str(title) if isinstance(title, str) and title.strip() else str(row["session_id"])


# --- SVG charts -----------------------------------------------------------------------

BLUE = "#4a78b0"
ORANGE = "#e8892b"
RED = "#d1495b"
GREY = "#8a8f98"
CHART_WIDTH = 760


def _nice_ticks(vmax: float, n: int = 4, integer: bool = True) -> list[float]:
    """0 and evenly spaced round numbers up to at least vmax (about n steps)."""
    if vmax <= 0 or math.isnan(vmax):
        return [0, 1]
    raw = vmax / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1, round(step))
    top = math.ceil(vmax / step - 1e-9) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def _num(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:,.0f}"


def _svg_open(width: int, height: int, label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(label)}" preserveAspectRatio="xMinYMin meet">'
        f"<title>{_e(label)}</title>"
    )


def _legend(items: Sequence[tuple[str, str, str]], x_right: float, y: float) -> str:
    """Legend swatches (name, colour, 'bar'|'line'), right-aligned ending at x_right."""
    out, x = [], x_right
    for name, color, kind in reversed(items):
        w = 14 + 7 * len(name) + 14
        x -= w
        if kind == "line":
            out.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 12:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{color}" stroke-width="2"/><circle cx="{x + 6:.1f}" cy="{y - 4:.1f}" r="2.5" '
                f'fill="{color}"/>'
            )
        else:
            out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}" rx="1"/>')
        out.append(f'<text x="{x + 16:.1f}" y="{y:.1f}" class="legend">{_e(name)}</text>')
    return "".join(out)


@dataclass
class _Series:
    name: str
    values: list[float]
    color: str
    kind: str = "bar"  # bar | line | inner (a narrow bar drawn inside the main bar)
    labelled: bool = True  # with value_labels: write this series' values


def _column_chart(
    labels: Sequence[str],
    series: Sequence[_Series],
    *,
    label: str,
    y_title: str,
    tick_at: Callable[[int], bool] | None = None,
    bar_colors: Sequence[str] | None = None,
    tooltips: Sequence[str] | None = None,
    value_labels: bool = False,
    annotations: dict[int, str] | None = None,
    legend: Sequence[tuple[str, str, str]] | None = None,
    height: int = 260,
) -> str:
    """Vertical bars per category, with optional inner bars and lines over the same y axis."""
    width = CHART_WIDTH
    ml, mr, mt, mb = 46, 14, 34, 36
    pw, ph = width - ml - mr, height - mt - mb
    n = max(len(labels), 1)
    vmax = max([max(s.values, default=0) for s in series] + [0])
    ticks = _nice_ticks(vmax * (1.12 if annotations else 1.0))
    top = ticks[-1]
    band = pw / n
    gap = 0.2 * band if band > 6 else 0.1 * band

    def y(v: float) -> float:
        return mt + ph - (float(v) / top) * ph

    parts = [_svg_open(width, height, label)]
    for t in ticks:  # grid and y axis labels
        parts.append(
            f'<line x1="{ml}" y1="{y(t):.1f}" x2="{width - mr}" y2="{y(t):.1f}" class="grid"/>'
            f'<text x="{ml - 6}" y="{y(t) + 4:.1f}" text-anchor="end" class="tick">{_num(t)}</text>'
        )
    parts.append(
        f'<text x="12" y="{mt + ph / 2:.1f}" transform="rotate(-90 12 {mt + ph / 2:.1f})" '
        f'text-anchor="middle" class="axis-title">{_e(y_title)}</text>'
    )
    for s in series:
        if s.kind == "bar":
            for i, v in enumerate(s.values):
                if missing(v) or v <= 0:
                    continue
                color = bar_colors[i] if bar_colors else s.color
                x = ml + i * band + gap / 2
                tip = f"<title>{_e(tooltips[i])}</title>" if tooltips else ""
                parts.append(
                    f'<rect x="{x:.2f}" y="{y(v):.2f}" width="{max(band - gap, 0.8):.2f}" '
                    f'height="{y(0) - y(v):.2f}" fill="{color}">{tip}</rect>'
                )
                if value_labels:
                    parts.append(
                        f'<text x="{x + (band - gap) / 2:.1f}" y="{y(v) - 4:.1f}" text-anchor="middle" '
                        f'class="value">{_num(v)}</text>'
                    )
        elif s.kind == "inner":
            for i, v in enumerate(s.values):
                if missing(v) or v <= 0:
                    continue
                w = max((band - gap) * 0.45, 0.8)
                x = ml + i * band + band / 2 - w / 2
                parts.append(
                    f'<rect x="{x:.2f}" y="{y(v):.2f}" width="{w:.2f}" height="{y(0) - y(v):.2f}" '
                    f'fill="{s.color}"/>'
                )
        elif s.kind == "line":
            pts = [
                (ml + i * band + band / 2, y(v)) for i, v in enumerate(s.values) if not missing(v)
            ]
            if len(pts) > 1:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{s.color}" stroke-width="2.2"/>')
            for (px, py), v in zip(pts, [v for v in s.values if not missing(v)], strict=True):
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.2" fill="{s.color}"/>')
                if value_labels and s.labelled:
                    parts.append(
                        f'<text x="{px + 5:.1f}" y="{py - 5:.1f}" class="value" fill="{s.color}">'
                        f"{_num(v)}</text>"
                    )
    for i, text in (annotations or {}).items():  # marked bars: a triangle and a label above
        v = max(s.values[i] for s in series if s.kind == "bar")
        cx = ml + i * band + band / 2
        ty = y(v) - 4
        parts.append(
            f'<path d="M{cx - 4:.1f},{ty - 6:.1f} L{cx + 4:.1f},{ty - 6:.1f} L{cx:.1f},{ty:.1f} Z" '
            f'fill="{RED}"/>'
        )
        if text:
            parts.append(
                f'<text x="{cx:.1f}" y="{ty - 9:.1f}" text-anchor="middle" class="annotation">'
                f"{_e(text)}</text>"
            )
    parts.append(f'<line x1="{ml}" y1="{y(0):.1f}" x2="{width - mr}" y2="{y(0):.1f}" class="axis"/>')
    for i, lab in enumerate(labels):  # x axis labels
        if tick_at is None or tick_at(i):
            cx = ml + i * band + band / 2
            parts.append(
                f'<line x1="{cx:.1f}" y1="{y(0):.1f}" x2="{cx:.1f}" y2="{y(0) + 4:.1f}" class="axis"/>'
                f'<text x="{cx:.1f}" y="{y(0) + 16:.1f}" text-anchor="middle" class="tick">{_e(lab)}</text>'
            )
    if legend:
        parts.append(_legend(legend, width - mr, 16))
    parts.append("</svg>")
    return "".join(parts)


def _bar_list_chart(
    rows: Sequence[tuple[str, float, str]],
    *,
    label: str,
    color: str = BLUE,
    label_width: int = 210,
) -> str:
    """Horizontal bars, one per row (label, value, text shown after the bar)."""
    width = CHART_WIDTH
    bar_h, step, mt, mb = 16, 24, 8, 8
    height = mt + step * len(rows) + mb
    x0, x_end = label_width, width - 130
    vmax = max([v for _, v, _ in rows] + [1])
    parts = [_svg_open(width, height, label)]
    for i, (name, value, note) in enumerate(rows):
        yy = mt + i * step
        w = max((float(value) / vmax) * (x_end - x0), 1.0 if value else 0.0)
        parts.append(
            f'<text x="{x0 - 8}" y="{yy + bar_h - 4}" text-anchor="end" class="label">'
            f"<title>{_e(name)}</title>{_e(_short(name, 26))}</text>"
            f'<rect x="{x0}" y="{yy}" width="{w:.1f}" height="{bar_h}" fill="{color}" rx="2"/>'
            f'<text x="{x0 + w + 6:.1f}" y="{yy + bar_h - 4}" class="value">{_e(note)}</text>'
        )
    parts.append(f'<line x1="{x0}" y1="{mt - 3}" x2="{x0}" y2="{height - mb + 3}" class="axis"/>')
    parts.append("</svg>")
    return "".join(parts)


# --- page parts ----------------------------------------------------------------------


def _kpis(items: Sequence[tuple[str, str, str, str]]) -> str:
    """Key-figure cards: (key, label, value, note). `data-kpi` names the figure for scripts and tests."""
    cards = "".join(
        f'<div class="kpi" data-kpi="{_e(key)}"><div class="kpi-value">{_e(value)}</div>'
        f'<div class="kpi-label">{_e(name)}</div>'
        + (f'<div class="kpi-note">{_e(note)}</div>' if note else "")
        + "</div>"
        for key, name, value, note in items
    )
    return f'<div class="kpis">{cards}</div>'


def _section(title: str, body: str, *, note: str = "", cls: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    attr = f' class="{cls}"' if cls else ""
    return f"<section{attr}><h2>{_e(title)}</h2>{note_html}{body}</section>"


def _table(headers: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]], *, cls: str = "") -> str:
    """A table from already-escaped cells; headers are (text, css class)."""
    head = "".join(f'<th class="{c}">{_e(h)}</th>' for h, c in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="{headers[j][1]}">{cell}</td>' for j, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _empty(text: str) -> str:
    return f'<p class="empty">{_e(text)}</p>'


def _hidden_private(n: int, what: str) -> str:
    return f" {_plural(n, 'private ' + what)} counted above; their text is not shown." if n else ""


# --- the course page ------------------------------------------------------------------


def _course_page(data: _Data, c: pd.Series) -> tuple[str, str]:
    course = str(c["course_id"])
    sessions = data.frame(SESSIONS_SQL, course)
    people = data.frame(COURSE_PEOPLE_SQL, course)
    unanswered = data.frame(COURSE_UNANSWERED_SQL, course)

    span = fmt_date(c.get("first_session_date"))
    if fmt_date(c.get("last_session_date")) != span:
        span += f" – {fmt_date(c.get('last_session_date'))}"
    n_sessions = int(c["n_sessions"] or 0)
    header = (
        f'<header><p class="kicker">classchat · course report</p><h1>{_e(course)}</h1>'
        f'<p class="sub">{_e(_plural(n_sessions, "session"))} · {_e(span)}</p></header>'
    )

    top10 = _top_share(people["n_messages"]) if not people.empty else None
    n_questions, n_unanswered = int(c.get("n_questions") or 0), int(c.get("n_unanswered_questions") or 0)
    kpis = _kpis(
        [
            ("sessions", "Sessions", fmt_int(c["n_sessions"]), span),
            ("participants", "Participants", fmt_int(c["n_participants"]),
             f"{fmt_mean(c.get('participants_per_session'))} per session"),
            ("messages_per_session", "Messages per session", fmt_mean(c["messages_per_session"]),
             f"{fmt_int(c.get('n_messages'))} in all"),
            ("questions_per_session", "Questions per session", fmt_mean(c["questions_per_session"]),
             f"{fmt_int(n_questions)} in all"),
            ("answered_share", "Answered", fmt_pct(c["answered_share"]),
             f"{fmt_int(n_unanswered)} unanswered" if n_questions else "no questions"),
            ("median_response", "Median response", fmt_seconds(c["median_response_seconds"]),
             "question to first answer"),
            ("participation_gini", "Participation inequality", fmt_ratio(c["participation_gini"]),
             f"Gini; top 10% sent {fmt_pct(top10)}" if top10 is not None else "Gini"),
            ("tech_issues", "Tech issues", fmt_int(c.get("n_tech_issues")), "can't hear, frozen…"),
        ]
    )

    parts = [header, kpis, _course_trend(sessions), _course_sessions_table(sessions),
             _course_participation(people), _course_unanswered(unanswered, n_unanswered)]
    return f"{course} · classchat course report", "".join(parts)


def _top_share(counts: pd.Series) -> float | None:
    """Share of messages sent by the most active tenth (at least one person), as the marts define it."""
    values = sorted((int(v) for v in counts if not missing(v)), reverse=True)
    total = sum(values)
    if not total:
        return None
    k = max(1, math.ceil(len(values) / 10))
    return sum(values[:k]) / total


def _course_trend(sessions: pd.DataFrame) -> str:
    if sessions.empty:
        return _section("Over the term", _empty("No sessions yet."))
    labels = [pd.Timestamp(d).strftime("%m-%d") if not missing(d) else "?" for d in sessions["session_date"]]
    msgs = [int(v or 0) for v in sessions["n_messages"]]
    qs = [int(v or 0) for v in sessions["n_questions"]]
    unans = [int(v or 0) for v in sessions["n_unanswered_questions"]]
    tips = [
        f"{fmt_date(r.session_date)} {_session_name(pd.Series(r._asdict()))}: {m} messages, {q} questions, "
        f"{u} unanswered"
        for r, m, q, u in zip(sessions.itertuples(index=False), msgs, qs, unans, strict=True)
    ]
    few = len(labels) <= 16
    every = max(1, math.ceil(len(labels) / 14))
    chart = _column_chart(
        labels,
        [_Series("messages", msgs, BLUE), _Series("questions", qs, ORANGE, "line"),
         _Series("unanswered", unans, RED, "line", labelled=False)],
        label="Messages and questions per session over the term",
        y_title="per session",
        tick_at=lambda i: i % every == 0,
        tooltips=tips,
        value_labels=few,
        legend=[("messages", BLUE, "bar"), ("questions", ORANGE, "line"), ("unanswered", RED, "line")],
    )
    return _section(
        "Over the term", chart, note="Messages (bars) and questions (lines) in each session, by date."
    )


def _course_sessions_table(sessions: pd.DataFrame) -> str:
    if sessions.empty:
        return ""
    rows = []
    for _, s in sessions.iterrows():
        nq = int(s["n_questions"] or 0)
        answered = 1 - int(s["n_unanswered_questions"] or 0) / nq if nq else None
        peak = "–"
        if not missing(s.get("peak_minute_at")):
            peak = f"{fmt_time(s['peak_minute_at'])} ({fmt_int(s.get('peak_minute_messages'))})"
        rows.append(
            [
                _e(fmt_date(s["session_date"])),
                f'{_e(_session_name(s))}<div class="id">{_e(s["session_id"])}</div>',
                _e(fmt_int(s["n_messages"])),
                _e(fmt_int(s["n_participants"])),
                _e(fmt_int(s["n_questions"])),
                _e(fmt_int(s["n_unanswered_questions"])),
                _e(fmt_pct(answered)),
                _e(fmt_seconds(s.get("median_response_seconds"))),
                _e(peak),
                _e(fmt_ratio(s.get("participation_gini"))),
                _e(fmt_int(s.get("n_tech_issues"))),
            ]
        )
    headers = [("Date", "nowrap"), ("Session", "wide"), ("Messages", "num"), ("People", "num"),
               ("Questions", "num"), ("Unanswered", "num"), ("Answered", "num"), ("Median response", "num"),
               ("Peak minute", "num"), ("Gini", "num"), ("Tech", "num")]
    return _section(
        "Sessions", _table(headers, rows, cls="sessions"),
        note="One row per class session. Peak minute: the busiest minute and its messages. "
        "Gini: inequality of messages per participant (0 everyone equal, near 1 one person talks).",
    )


# messages per person over the term: (from, to or None, label)
_BUCKETS = [
    (1, 1, "1"), (2, 2, "2"), (3, 5, "3–5"), (6, 10, "6–10"), (11, 20, "11–20"), (21, 50, "21–50"),
    (51, 100, "51–100"), (101, None, "101+"),
]


def _course_participation(people: pd.DataFrame) -> str:
    if people.empty:
        return _section("Participation", _empty("Nobody has written in this course yet."))
    counts = [int(v or 0) for v in people["n_messages"]]
    total, n = sum(counts), len(counts)
    # who carries the chat
    ordered = sorted(counts, reverse=True)
    half, running, k_half = total / 2, 0, 0
    for k_half, v in enumerate(ordered, start=1):
        running += v
        if running >= half:
            break
    k10 = max(1, math.ceil(n / 10))
    top10 = sum(ordered[:k10]) / total if total else 0
    quiet = sum(1 for v in counts if v <= QUIET_MAX_MESSAGES)
    once = int((people["n_sessions"] == 1).sum())
    n_sessions_max = int(people["n_sessions"].max())
    facts = [
        f"<li>The most active tenth ({_e(_plural(k10, 'person', 'people'))}) sent "
        f"<b>{_e(fmt_pct(top10))}</b> "
        f"of the {_e(fmt_int(total))} messages.</li>",
        f"<li>Half of all messages came from <b>{_e(_plural(k_half, 'person', 'people'))}</b> "
        f"({_e(fmt_pct(k_half / n))} of participants).</li>",
        f"<li><b>{_e(fmt_int(quiet))}</b> of {_e(fmt_int(n))} participants ({_e(fmt_pct(quiet / n))}) are "
        f"silent-ish: at most {QUIET_MAX_MESSAGES} messages over the term.</li>",
    ]
    if n_sessions_max > 1:
        facts.append(f"<li><b>{_e(fmt_int(once))}</b> wrote in only one session.</li>")
    facts.append(
        '<li class="muted">People who never wrote in the chat are not in the exports and so not counted.</li>'
    )

    buckets = [
        (lo, hi, lab, sum(1 for v in counts if lo <= v and (hi is None or v <= hi)))
        for lo, hi, lab in _BUCKETS
    ]
    while len(buckets) > 1 and buckets[-1][3] == 0:
        buckets.pop()
    histogram = _column_chart(
        [b[2] for b in buckets],
        [_Series("people", [b[3] for b in buckets], BLUE)],
        label="Participants by number of messages over the term",
        y_title="people",
        bar_colors=[ORANGE if b[1] is not None and b[1] <= QUIET_MAX_MESSAGES else BLUE for b in buckets],
        value_labels=True,
        legend=[("silent-ish", ORANGE, "bar"), ("more active", BLUE, "bar")],
        height=220,
    )
    top = people.head(TOP_PEOPLE)
    carriers = _bar_list_chart(
        [
            (
                _person_label(r["display_name"], r["role"]),
                int(r["n_messages"]),
                f"{int(r['n_messages']):,} · {fmt_pct(int(r['n_messages']) / total if total else None)}",
            )
            for _, r in top.iterrows()
        ],
        label=f"The {len(top)} most active participants of the course",
    )
    body = (
        f'<ul class="facts">{"".join(facts)}</ul>'
        f"<h3>Messages per person</h3>{histogram}"
        f'<p class="caption">How many people wrote 1, 2, 3–5, … messages over the term.</p>'
        f"<h3>Who carries the chat</h3>{carriers}"
        f'<p class="caption">The {len(top)} most active participants: messages and share of all messages.</p>'
    )
    return _section("Participation", body)


def _course_unanswered(unanswered: pd.DataFrame, n_unanswered: int) -> str:
    public = unanswered.loc[~unanswered["is_private"].fillna(False).astype(bool)]
    hidden = len(unanswered) - len(public)
    if unanswered.empty:
        return _section("Unanswered questions", _empty("Every question got an answer."))
    shown = public.head(MAX_LIST_ROWS)
    rows = [
        [
            _e(fmt_date(r["session_date"])),
            _e(fmt_time(r["sent_at"])),
            _e(r["asker"]) + _role_badge(r["role"]),
            _chat_text(r["question"], r["language"])
            + (' <span class="tag">asked again later</span>' if _true(r["is_repeated_question"]) else ""),
        ]
        for _, r in shown.iterrows()
    ]
    note = (
        f"{_e(_plural(n_unanswered, 'question'))} nobody answered (or the asker had to ask again), "
        "oldest first."
        + (f" The first {MAX_LIST_ROWS} are listed." if len(public) > MAX_LIST_ROWS else "")
        + _e(_hidden_private(hidden, "question"))
    )
    table = _table([("Date", "nowrap"), ("Time", "nowrap"), ("Asked by", "who"), ("Question", "wide")], rows,
                   cls="list")
    return _section("Unanswered questions", table if rows else "", note=note)


# --- the session page -----------------------------------------------------------------


def _session_page(data: _Data, s: pd.Series) -> tuple[str, str]:
    sid = str(s["session_id"])
    minutes = data.frame(MINUTES_SQL, sid)
    questions = data.frame(QUESTIONS_SQL, sid)
    topics = data.optional("question_topics", TOPICS_SQL, sid)
    tech = data.frame(TECH_SQL, sid)
    links = data.frame(LINKS_SQL, sid)
    top = data.frame(TOP_PARTICIPANTS_SQL, sid)

    name = _session_name(s)
    when = fmt_date(s["session_date"])
    if not missing(s.get("started_at")) and not missing(s.get("ended_at")):
        when += f" · {fmt_time(s['started_at'])}–{fmt_time(s['ended_at'])}"
    extra = []
    if not missing(s.get("instructor")):
        extra.append(f"instructor {s['instructor']}")
    if not missing(s.get("timezone")):
        extra.append(str(s["timezone"]))
    if not missing(s.get("source_format")):
        extra.append(f"{s['source_format']} export")
    header = (
        f'<header><p class="kicker">classchat · session report · {_e(s["course_id"])}</p>'
        f"<h1>{_e(name)}</h1>"
        f'<p class="sub">{_e(when)}{"".join(" · " + _e(x) for x in extra)}</p>'
        f'<p class="id">{_e(sid)}</p></header>'
    )
    peak = "–"
    if not missing(s.get("peak_minute_at")):
        peak = fmt_time(s["peak_minute_at"])
    nq = int(s.get("n_questions") or 0)
    peak_n = s.get("peak_minute_messages")
    kpis = _kpis(
        [
            ("messages", "Messages", fmt_int(s["n_messages"]), ""),
            ("participants", "Participants", fmt_int(s["n_participants"]),
             f"Gini {fmt_ratio(s.get('participation_gini'))}"),
            ("questions", "Questions", fmt_int(s["n_questions"]), ""),
            ("unanswered", "Unanswered", fmt_int(s.get("n_unanswered_questions")),
             f"{fmt_pct(1 - int(s.get('n_unanswered_questions') or 0) / nq)} answered" if nq else ""),
            ("median_response", "Median response", fmt_seconds(s.get("median_response_seconds")),
             "question to first answer"),
            ("duration", "Duration", fmt_minutes(s.get("duration_minutes")), "first to last message"),
            ("peak_minute", "Peak minute", peak,
             "" if missing(peak_n) else _plural(int(peak_n), "message")),
            ("tech_issues", "Tech issues", fmt_int(s.get("n_tech_issues")), "can't hear, frozen…"),
        ]
    )
    parts = [
        header,
        kpis,
        _session_activity(minutes),
        _session_questions(questions),
        _session_topics(topics),
        _session_people(top, int(s.get("n_messages") or 0)),
        _session_messages_list("Tech issues", tech, "No tech trouble was reported in the chat.",
                               "Messages about sound, video or connection trouble.", "message"),
        _session_messages_list("Links shared", links, "No links were posted.",
                               "Links are shown as text only; copy them to open.", "link"),
    ]
    return f"{name} · {s['course_id']} · classchat session report", "".join(parts)


def _session_activity(minutes: pd.DataFrame) -> str:
    if minutes.empty:
        return _section("Messages per minute", _empty("No messages in this session."))
    times = [pd.Timestamp(t) for t in minutes["minute_at"]]
    msgs = [int(v or 0) for v in minutes["n_messages"]]
    qs = [int(v or 0) for v in minutes["n_questions"]]
    peak = [bool(v) if not missing(v) else False for v in minutes["is_peak"]]
    n = len(times)
    step = next((m for m in (1, 2, 5, 10, 15, 20, 30, 60, 120, 240) if n / m <= 12), 480)

    def tick(i: int) -> bool:
        return (times[i].hour * 60 + times[i].minute) % step == 0 or (n <= 12)

    # label the biggest peaks; every peak gets a marker
    peak_idx = [i for i in range(n) if peak[i]]
    labelled = set(sorted(peak_idx, key=lambda i: (-msgs[i], i))[:4])
    annotations = {i: (f"{times[i]:%H:%M} · {msgs[i]}" if i in labelled else "") for i in peak_idx}
    tips = [f"{t:%H:%M}: {m} messages, {q} questions" + (" (peak)" if p else "")
            for t, m, q, p in zip(times, msgs, qs, peak, strict=True)]
    chart = _column_chart(
        [f"{t:%H:%M}" for t in times],
        [_Series("messages", msgs, BLUE), _Series("questions", qs, ORANGE, "inner")],
        label="Messages per minute, peaks marked",
        y_title="messages per minute",
        tick_at=tick,
        bar_colors=[RED if p else BLUE for p in peak],
        tooltips=tips,
        annotations=annotations,
        legend=[("messages", BLUE, "bar"), ("peak minute", RED, "bar"), ("questions", ORANGE, "bar")],
        height=280,
    )
    if peak_idx:
        listed = ", ".join(
            f"{times[i]:%H:%M} ({_plural(msgs[i], 'message')}"
            + (f", {_plural(qs[i], 'question')}" if qs[i] else "")
            + ")"
            for i in peak_idx
        )
        note = f"Peaks (bursts well above the session's own level): {_e(listed)}."
    else:
        note = "No minute stood out as a peak."
    silent = sum(1 for v in msgs if v == 0)
    note += f" {_e(_plural(silent, 'minute'))} of {_e(fmt_int(n))} without messages."
    return _section("Messages per minute", chart + f'<p class="caption">{note}</p>')


def _session_questions(questions: pd.DataFrame) -> str:
    if questions.empty:
        return _section("Questions", _empty("No questions were detected in this session."))
    private = questions["is_private"].fillna(False).astype(bool)
    public = questions.loc[~private]
    rows = []
    for _, q in public.iterrows():
        if _true(q["is_unanswered"]) or missing(q["answered_by"]):
            status = '<span class="status no">unanswered</span>'
            if _true(q["is_repeated_question"]):
                status += ' <span class="tag">asked again later</span>'
            response, answer = "–", ""
        else:
            who = "TA" if q["answer_source"] == "ta" else str(q["answer_source"] or "")
            status = f'<span class="status yes">answered</span> <span class="tag">{_e(who)}</span>'
            response = _e(fmt_seconds(q["response_seconds"]))
            if _true(q["answer_is_private"]):
                answer = '<span class="muted">(a private reply)</span>'
            else:
                answer = (
                    f'<span class="who">{_e(q["answerer"])}:</span> '
                    + _chat_text(q["answer"], q["answer_language"])
                )
            answer += (
                f'<br><span class="evidence">evidence (score {_e(fmt_score(q["answer_score"]))}): '
                f'{_e(evidence_words(q["answer_evidence"]))}</span>'
            )
        rows.append(
            [
                _e(fmt_time(q["sent_at"], seconds=True)),
                _e(q["asker"]) + _role_badge(q["role"]),
                _chat_text(q["question"], q["language"]),
                status,
                response,
                answer,
            ]
        )
    n_un = int(questions["is_unanswered"].fillna(False).astype(bool).sum())
    note = (
        f"{_e(_plural(len(questions), 'question'))}, {_e(fmt_int(n_un))} unanswered. "
        "Response: time from the question to its first answer. An answer is the later message with the "
        "strongest evidence (a reply, addressing the asker, shared words, an answer that fits the question's "
        "form, staff, the asker's thanks, coming soon after) scoring at least the threshold; below it the "
        "question is unanswered in the chat. Each answer shows its score and the evidence behind it."
        + _e(_hidden_private(int(private.sum()), "question"))
    )
    headers = [("Time", "nowrap"), ("Asked by", "who"), ("Question", "wide"), ("Status", "nowrap"),
               ("Response", "num"), ("Answer", "wide")]
    return _section("Questions", _table(headers, rows, cls="list questions") if rows else "", note=note)


def _session_topics(topics: pd.DataFrame | None) -> str:
    if topics is None or topics.empty:
        return _section("Question topics", _empty("Too few questions to find recurring terms."))
    chart = _bar_list_chart(
        [(str(t["term"]), int(t["n_questions"]), _plural(int(t["n_questions"]), "question"))
         for _, t in topics.iterrows()],
        label="Terms the session's questions were about",
        color=ORANGE,
        label_width=180,
    )
    note = "The terms most questions were about, by the number of questions that use them."
    return _section("Question topics", chart, note=note)


def _session_people(top: pd.DataFrame, n_messages: int) -> str:
    if top.empty:
        return _section("Most active participants", _empty("Nobody wrote in this session."))
    head = top.head(TOP_PEOPLE)
    chart = _bar_list_chart(
        [
            (
                _person_label(r["display_name"], r["role"]),
                int(r["n_messages"]),
                f"{int(r['n_messages']):,} · "
                + fmt_pct(int(r["n_messages"]) / n_messages if n_messages else None),
            )
            for _, r in head.iterrows()
        ],
        label="The most active participants of the session",
    )
    rows = [
        [_e(r["display_name"]) + _role_badge(r["role"]), _e(fmt_int(r["n_messages"])),
         _e(fmt_int(r["n_questions"])), _e(fmt_int(r["n_answers"])), _e(fmt_int(r.get("n_tech_issues")))]
        for _, r in head.iterrows()
    ]
    table = _table([("Participant", "who"), ("Messages", "num"), ("Questions", "num"), ("Answers", "num"),
                    ("Tech issues", "num")], rows, cls="people")
    quiet = int((top["n_messages"] <= 1).sum())
    note = (
        f"{_e(_plural(len(top), 'person', 'people'))} wrote; {_e(fmt_int(quiet))} of them only once. "
        "Answers: messages that answered someone's question."
    )
    return _section("Most active participants", chart + table, note=note)


def _session_messages_list(title: str, frame: pd.DataFrame, empty: str, note: str, what: str) -> str:
    if frame.empty:
        return _section(title, _empty(empty))
    private = frame["is_private"].fillna(False).astype(bool)
    public = frame.loc[~private]
    rows = [
        [
            _e(fmt_time(r["sent_at"], seconds=True)),
            _e(r["sender_name"]),
            _chat_text(r["body"], r["language"]),
        ]
        for _, r in public.head(MAX_LIST_ROWS).iterrows()
    ]
    full_note = _e(note) + _e(_hidden_private(int(private.sum()), what))
    table = _table([("Time", "nowrap"), ("From", "who"), ("Message", "wide")], rows, cls="list")
    return _section(title, table if rows else "", note=full_note)


# --- footer and document ------------------------------------------------------------------


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("classchat")
    except Exception:  # noqa: BLE001 - not installed as a distribution: no version to show
        return ""


def _fmt_versions(versions: object) -> str:
    if isinstance(versions, str):
        try:
            versions = json.loads(versions)
        except ValueError:
            return versions
    if isinstance(versions, dict):
        return ", ".join(f"{k} {v}" for k, v in versions.items())
    return "" if missing(versions) else str(versions)


def _run_line(run: dict) -> str:
    """The run the figures came from: id, command, end, outcome, versions, inputs."""
    bits = [f"Run <b>{_e(run.get('run_id') or '?')}</b>"]
    if not missing(run.get("command")):
        bits[0] += f" ({_e(run['command'])})"
    ended = run.get("ended_at")
    if not missing(ended):
        try:
            bits.append(f"ended {_e(pd.Timestamp(ended).strftime('%Y-%m-%d %H:%M'))}")
        except (TypeError, ValueError):
            bits.append(f"ended {_e(ended)}")
    outcome = run.get("outcome", run.get("status"))
    if not missing(outcome):
        bits.append(f"outcome {_e(outcome)}")
    if not missing(run.get("n_input_files")):
        inputs = _plural(int(run["n_input_files"]), "input file")
        if not missing(run.get("inputs_sha256")):
            inputs += f" (sha256 {str(run['inputs_sha256'])[:12]}…)"
        bits.append(_e(inputs))
    versions = _fmt_versions(run.get("versions"))
    if versions:
        bits.append(f"versions: {_e(versions)}")
    return ", ".join(bits) + "."


def _footer(warehouse: Path, privacy: Privacy, run: dict | None, data: _Data) -> str:
    now = datetime.now().astimezone()
    built = ""
    try:
        built = datetime.fromtimestamp(warehouse.stat().st_mtime).astimezone().strftime("%Y-%m-%d %H:%M")
    except OSError:
        pass
    version = _version()
    lines = [
        f"Generated {_e(now.strftime('%Y-%m-%d %H:%M %Z').strip())} "
        f"by classchat{(' ' + _e(version)) if version else ''} "
        f"from <b>{_e(warehouse.name)}</b>" + (f" (built {_e(built)})" if built else "") + "."
    ]
    if run:
        lines.append(_run_line(run))
    quality = _quality(data)
    if quality is not None:
        n, ok = int(quality["n"]), int(quality["n_passed"])
        checked = quality["checked_at"]
        when = "" if missing(checked) else f" on {pd.Timestamp(checked):%Y-%m-%d %H:%M}"
        lines.append(f"Data checks{_e(when)}: {ok} of {n} expectations passed.")
    if privacy.named:
        lines.append("Names are shown as they appear in the chat exports.")
    else:
        lines.append(
            "Names are pseudonymised: each person appears as a stable pseudonym (P-…), also in @mentions "
            "and where their name is written in message text."
        )
    lines.append(
        "Times are the session's local time. The text of private (direct) messages is not shown; they are "
        "counted. Chat text is reproduced as written: links are not clickable."
    )
    paragraphs = "".join(f"<p>{line}</p>" for line in lines)
    return f'<footer data-privacy="{_e(privacy.mode)}">{paragraphs}</footer>'


CSS = """
:root { --ink:#1f2430; --muted:#5f6673; --line:#dde1e7; --soft:#f4f6f9; --blue:#4a78b0; --red:#d1495b;
  --orange:#e8892b; --green:#2e8b57; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 980px; padding: 28px 28px 40px; color: var(--ink); background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC",
    "Hiragino Sans GB", "Microsoft YaHei", "Source Han Sans SC", sans-serif;
  font-size: 14px; line-height: 1.5; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
header { border-bottom: 3px solid var(--blue); padding-bottom: 10px; margin-bottom: 18px; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: 11px; }
h1 { margin: 2px 0 2px; font-size: 26px; line-height: 1.25; }
h2 { font-size: 18px; margin: 0 0 6px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 4px; color: var(--muted); }
.sub { margin: 0; color: var(--muted); }
.id { color: var(--muted); font-size: 11px; margin: 2px 0 0; overflow-wrap: anywhere;
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
section { margin: 26px 0; }
.note, .caption { color: var(--muted); margin: 2px 0 10px; font-size: 12.5px; }
.caption { margin-top: 4px; }
.empty { color: var(--muted); font-style: italic; }
.muted { color: var(--muted); }
.evidence { color: var(--muted); font-size: 0.85em; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.kpi { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.kpi-value { font-size: 24px; font-weight: 650; line-height: 1.2; font-variant-numeric: tabular-nums; }
.kpi-label { font-size: 12px; font-weight: 600; color: var(--ink); }
.kpi-note { font-size: 11.5px; color: var(--muted); }
.facts { margin: 4px 0 8px; padding-left: 20px; }
.facts li { margin: 2px 0; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; padding: 5px 6px;
  border-bottom: 2px solid var(--line); vertical-align: bottom; }
td { border-bottom: 1px solid var(--line); padding: 5px 6px; vertical-align: top; }
tbody tr:nth-child(even) td { background: #fafbfc; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.nowrap { white-space: nowrap; }
td.who { white-space: nowrap; max-width: 180px; overflow: hidden; text-overflow: ellipsis; }
td.wide { min-width: 180px; }
.chat { white-space: pre-wrap; overflow-wrap: anywhere; }
span.who { color: var(--muted); }
.status { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11.5px; font-weight: 600; }
.status.yes { background: #e3f2e9; color: var(--green); }
.status.no { background: #fbe5e8; color: var(--red); }
.tag { display: inline-block; padding: 0 5px; border-radius: 4px; background: var(--soft);
  border: 1px solid var(--line); font-size: 11px; color: var(--muted); }
.badge { font-size: 10.5px; padding: 0 5px; border-radius: 4px; color: #fff; background: var(--blue);
  vertical-align: 1px; }
.badge-ta { background: #7a5cb0; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; overflow: visible; }
svg.chart text { font-family: inherit; font-size: 11px; fill: #4a4f5a; }
svg.chart .tick { font-size: 10.5px; fill: #6b717c; }
svg.chart .axis-title { font-size: 10.5px; fill: #6b717c; }
svg.chart .value { font-size: 10.5px; }
svg.chart .label { font-size: 12px; fill: var(--ink); }
svg.chart .legend { font-size: 11px; }
svg.chart .annotation { font-size: 10.5px; font-weight: 600; fill: var(--red); }
svg.chart .grid { stroke: #e9ecf0; stroke-width: 1; }
svg.chart .axis { stroke: #9aa0a9; stroke-width: 1; }
footer { margin-top: 36px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted);
  font-size: 11.5px; }
footer p { margin: 2px 0; }
@media (max-width: 720px) { .kpis { grid-template-columns: repeat(2, 1fr); } body { padding: 16px; } }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 11.5px; }
  .kpis { grid-template-columns: repeat(4, 1fr); }
  .kpi { break-inside: avoid; }
  section { break-inside: auto; }
  h2, h3 { break-after: avoid; }
  svg.chart, .kpis, header { break-inside: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  tbody tr:nth-child(even) td { background: none; }
}
"""

# Forbid every fetch: the document needs nothing from outside itself.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _document(title: str, body: str, footer: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="classchat export">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n{footer}\n</body>\n</html>\n"
    )
