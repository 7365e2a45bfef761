"""The course page of the HTML export: key figures, the term, the sessions, participation, unanswered questions.

Owns what a course export shows and how it reads: the course's key figures,
messages and questions per session over the term, one row per session, who
carries the chat (the most active tenth, half of the messages, the
silent-ish) with a histogram and the most active people, and the questions
nobody answered. Data comes from `reports.export_data`, HTML from
`reports.export_parts`, charts from the report's definitions (`reports.figures`,
drawn as SVG by `reports.chart_svg`).
"""

from __future__ import annotations

import pandas as pd

from classchat.reports import attendance_text, figures
from classchat.reports.chart_svg import inline_svg
from classchat.reports.export_data import COURSE_PEOPLE_SQL, COURSE_UNANSWERED_SQL, SESSIONS_SQL, Data
from classchat.reports.fmt import (
    MISSING,
    fmt_date,
    fmt_int,
    fmt_mean,
    fmt_pct,
    fmt_ratio,
    fmt_seconds,
    fmt_clock,
    is_offset_session,
    missing,
)
from classchat.reports.export_parts import (
    CHART_WIDTH,
    MAX_LIST_ROWS,
    TOP_PEOPLE,
    chat_text,
    empty_note,
    esc,
    hidden_private,
    html_table,
    is_true,
    kpi_cards,
    plural,
    role_badge,
    section,
    session_name,
)

QUIET_MAX_MESSAGES = 2  # "silent-ish": at most this many messages over the whole term

# --- the course page ------------------------------------------------------------------


def course_page(data: Data, c: pd.Series) -> tuple[str, str]:
    course = str(c["course_id"])
    sessions = data.frame(SESSIONS_SQL, course)
    people = data.frame(COURSE_PEOPLE_SQL, course, course)
    unanswered = data.frame(COURSE_UNANSWERED_SQL, course)

    span = fmt_date(c.get("first_session_date"))
    if fmt_date(c.get("last_session_date")) != span:
        span += f" – {fmt_date(c.get('last_session_date'))}"
    n_sessions = int(c["n_sessions"] or 0)
    header = (
        f'<header><p class="kicker">classchat · course report</p><h1>{esc(course)}</h1>'
        f'<p class="sub">{esc(plural(n_sessions, "session"))} · {esc(span)}</p></header>'
    )

    counts = [int(v) for v in people["n_messages"] if not missing(v)]
    top10 = figures.concentration(counts)[1] if sum(counts) else None
    n_questions, n_unanswered = int(c.get("n_questions") or 0), int(c.get("n_unanswered_questions") or 0)
    kpis = kpi_cards(
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

    with_reports = attendance_text.course_has_report(c)
    parts = [header, kpis, _course_attendance(c, sessions), _course_trend(sessions),
             _course_sessions_table(sessions), _course_participation(people, with_reports),
             _course_unanswered(unanswered, n_unanswered)]
    return f"{course} · classchat course report", "".join(parts)


def _course_attendance(c: pd.Series, sessions: pd.DataFrame) -> str:
    """The course's attendance over its sessions with a participants report, or what one would add."""
    if not attendance_text.course_has_report(c):
        return section("Attendance", empty_note(attendance_text.would_add_course(str(c["course_id"]))))
    rows = [
        [
            esc(fmt_date(s["session_date"])),
            f'{esc(session_name(s))}<div class="id">{esc(s["session_id"])}</div>',
            esc(fmt_int(s.get("n_attendees"))),
            esc(fmt_int(s.get("n_silent_attendees"))),
            esc(fmt_pct(s.get("participation_rate"))),
        ]
        for _, s in sessions.iterrows()
        if attendance_text.session_has_report(s)
    ]
    table = html_table([("Date", "nowrap"), ("Session", "wide"), ("Attendees", "num"), ("Silent attendees", "num"),
                        ("Participation rate", "num")], rows, cls="sessions")
    note = esc(
        f"From the Zoom participants reports: {attendance_text.silent_rule()}. "
        "Participation rate: attendees who wrote in the chat / attendees."
    )
    return section("Attendance", kpi_cards(attendance_text.course_figures(c)) + table, note=note)


def _course_trend(sessions: pd.DataFrame) -> str:
    if sessions.empty:
        return section("Over the term", empty_note("No sessions yet."))
    if len(sessions) < 2:
        return section("Over the term", empty_note("Trends appear once the course has more than one session."))
    chart = inline_svg(figures.term_trends(sessions), "The course's figures per session over the term")
    return section("Over the term", chart, note="Each figure of the sessions, by session date.")


def _course_sessions_table(sessions: pd.DataFrame) -> str:
    if sessions.empty:
        return ""
    rows = []
    for _, s in sessions.iterrows():
        peak = MISSING
        if not missing(s.get("peak_minute_at")):
            peak = f"{fmt_clock(s['peak_minute_at'], is_offset_session(s))} ({fmt_int(s.get('peak_minute_messages'))})"
        rows.append(
            [
                esc(fmt_date(s["session_date"])),
                f'{esc(session_name(s))}<div class="id">{esc(s["session_id"])}</div>',
                esc(fmt_int(s["n_messages"])),
                esc(fmt_int(s["n_participants"])),
                esc(fmt_int(s["n_questions"])),
                esc(fmt_int(s["n_unanswered_questions"])),
                esc(fmt_pct(s.get("answered_share"))),
                esc(fmt_seconds(s.get("median_response_seconds"))),
                esc(peak),
                esc(fmt_ratio(s.get("participation_gini"))),
                esc(fmt_int(s.get("n_tech_issues"))),
            ]
        )
    headers = [("Date", "nowrap"), ("Session", "wide"), ("Messages", "num"), ("People", "num"),
               ("Questions", "num"), ("Unanswered", "num"), ("Answered", "num"), ("Median response", "num"),
               ("Peak minute", "num"), ("Gini", "num"), ("Tech", "num")]
    return section(
        "Sessions", html_table(headers, rows, cls="sessions"),
        note="One row per class session. Peak minute: the busiest minute and its messages. "
        "Gini: inequality of messages per participant (0 everyone equal, near 1 one person talks).",
    )


# messages per person over the term: (from, to or None, label)
_BUCKETS = [
    (1, 1, "1"), (2, 2, "2"), (3, 5, "3–5"), (6, 10, "6–10"), (11, 20, "11–20"), (21, 50, "21–50"),
    (51, 100, "51–100"), (101, None, "101+"),
]


def _course_participation(people: pd.DataFrame, with_reports: bool = False) -> str:
    if people.empty:
        return section("Participation", empty_note("Nobody has written in this course yet."))
    counts = [int(v or 0) for v in people["n_messages"]]
    total, n = sum(counts), len(counts)
    k10, top10, k_half = figures.concentration(counts)  # who carries the chat
    quiet = sum(1 for v in counts if v <= QUIET_MAX_MESSAGES)
    once = int((people["sessions_posted"] == 1).sum())
    n_sessions_max = int(people["sessions_posted"].max())
    facts = [
        f"<li>The most active tenth ({esc(plural(k10, 'person', 'people'))}) sent "
        f"<b>{esc(fmt_pct(top10))}</b> "
        f"of the {esc(fmt_int(total))} messages.</li>",
        f"<li>Half of all messages came from <b>{esc(plural(k_half, 'person', 'people'))}</b> "
        f"({esc(fmt_pct(k_half / n))} of participants).</li>",
        f"<li><b>{esc(fmt_int(quiet))}</b> of {esc(fmt_int(n))} participants ({esc(fmt_pct(quiet / n))}) are "
        f"silent-ish: at most {QUIET_MAX_MESSAGES} messages over the term.</li>",
    ]
    if n_sessions_max > 1:
        facts.append(f"<li><b>{esc(fmt_int(once))}</b> wrote in only one session.</li>")
    facts.append(
        '<li class="muted">People who attended but never wrote are under Attendance, not counted here.</li>'
        if with_reports else
        '<li class="muted">People who never wrote in the chat are not in the exports and so not counted.</li>'
    )

    buckets = [
        (lo, hi, lab, sum(1 for v in counts if lo <= v and (hi is None or v <= hi)))
        for lo, hi, lab in _BUCKETS
    ]
    while len(buckets) > 1 and buckets[-1][3] == 0:
        buckets.pop()
    histogram = inline_svg(
        figures.messages_histogram([(b[2], b[3], b[1] is not None and b[1] <= QUIET_MAX_MESSAGES) for b in buckets]),
        "Participants by number of messages over the term",
        width=CHART_WIDTH,
    )
    top = people.head(TOP_PEOPLE)
    carriers = inline_svg(figures.carriers(people, TOP_PEOPLE), f"The {len(top)} most active participants of the course")
    body = (
        f'<ul class="facts">{"".join(facts)}</ul>'
        f"<h3>Messages per person</h3>{histogram}"
        f'<p class="caption">How many people wrote 1, 2, 3–5, … messages over the term.</p>'
        f"<h3>Who carries the chat</h3>{carriers}"
        f'<p class="caption">The {len(top)} most active participants by their share of all messages, coloured by role.</p>'
    )
    return section("Participation", body)


def _course_unanswered(unanswered: pd.DataFrame, n_unanswered: int) -> str:
    public = unanswered.loc[~unanswered["is_private"].fillna(False).astype(bool)]
    hidden = len(unanswered) - len(public)
    if unanswered.empty:
        return section("Unanswered questions", empty_note("Every question got an answer."))
    shown = public.head(MAX_LIST_ROWS)
    rows = [
        [
            esc(fmt_date(r["session_date"])),
            esc(fmt_clock(r["sent_at"], is_offset_session(r))),
            esc(r["asker"]) + role_badge(r["role"]),
            chat_text(r["question"], r["language"])
            + (' <span class="tag">asked again later</span>' if is_true(r["is_repeated_question"]) else ""),
        ]
        for _, r in shown.iterrows()
    ]
    note = (
        f"{esc(plural(n_unanswered, 'question'))} nobody answered (or the asker had to ask again), "
        "oldest first."
        + (f" The first {MAX_LIST_ROWS} are listed." if len(public) > MAX_LIST_ROWS else "")
        + esc(hidden_private(hidden, "question"))
    )
    table = html_table([("Date", "nowrap"), ("Time", "nowrap"), ("Asked by", "who"), ("Question", "wide")], rows,
                   cls="list")
    return section("Unanswered questions", table if rows else "", note=note)
