"""The session page of the HTML export: one class after the lecture.

Owns what a session export shows and how it reads: the session's key figures,
messages per minute with the peaks marked and labelled, the questions with
their answers, response times and the evidence behind each answer link, the
question topics, the most active participants, tech trouble and links. The
text of private messages is never shown (they are counted). Data comes from
`reports.export_data`, HTML from `reports.export_parts`, charts from the
report's definitions (`reports.figures`, drawn as SVG by `reports.chart_svg`).
"""

from __future__ import annotations

import pandas as pd

from classchat.reports import attendance_text, figures, rules
from classchat.reports.chart_svg import inline_svg
from classchat.reports.export_data import (
    LINKS_SQL,
    QUESTIONS_SQL,
    SILENT_ATTENDEES_SQL,
    TECH_SQL,
    TOP_PARTICIPANTS_SQL,
    Data,
)
from classchat.reports.sql import SESSION_MINUTES_SQL, SESSION_TOPICS_SQL
from classchat.reports.fmt import (
    MISSING,
    evidence_words,
    OFFSET_NOTE,
    fmt_clock,
    fmt_date,
    fmt_int,
    fmt_minutes,
    fmt_pct,
    fmt_ratio,
    fmt_score,
    fmt_seconds,
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

# --- the session page -----------------------------------------------------------------


def session_page(data: Data, s: pd.Series) -> tuple[str, str]:
    sid = str(s["session_id"])
    minutes = data.frame(SESSION_MINUTES_SQL, sid)
    questions = data.frame(QUESTIONS_SQL, sid)
    topics = data.optional("question_topics", SESSION_TOPICS_SQL, sid)
    tech = data.frame(TECH_SQL, sid)
    links = data.frame(LINKS_SQL, sid)
    top = data.frame(TOP_PARTICIPANTS_SQL, sid)

    name = session_name(s)
    offset = is_offset_session(s)
    when = fmt_date(s["session_date"])
    if not missing(s.get("started_at")) and not missing(s.get("ended_at")):
        when += f" · {fmt_clock(s['started_at'], offset, offset)}–{fmt_clock(s['ended_at'], offset, offset)}"
    extra = []
    if not missing(s.get("instructor")):
        extra.append(f"instructor {s['instructor']}")
    if not missing(s.get("timezone")):
        extra.append(str(s["timezone"]))
    if not missing(s.get("source_format")):
        extra.append(f"{s['source_format']} export")
    header = (
        f'<header><p class="kicker">classchat · session report · {esc(s["course_id"])}</p>'
        f"<h1>{esc(name)}</h1>"
        f'<p class="sub">{esc(when)}{"".join(" · " + esc(x) for x in extra)}</p>'
        f'<p class="id">{esc(sid)}</p>'
        + (f'<p class="note">{esc(OFFSET_NOTE)}</p>' if offset else "")
        + "</header>"
    )
    peak = MISSING
    if not missing(s.get("peak_minute_at")):
        peak = fmt_clock(s["peak_minute_at"], offset)
    nq = int(s.get("n_questions") or 0)
    peak_n = s.get("peak_minute_messages")
    kpis = kpi_cards(
        [
            ("messages", "Messages", fmt_int(s["n_messages"]), ""),
            ("participants", "Participants", fmt_int(s["n_participants"]),
             f"Gini {fmt_ratio(s.get('participation_gini'))}"),
            ("questions", "Questions", fmt_int(s["n_questions"]), ""),
            ("unanswered", "Unanswered", fmt_int(s.get("n_unanswered_questions")),
             f"{fmt_pct(s.get('answered_share'))} answered" if nq else ""),
            ("median_response", "Median response", fmt_seconds(s.get("median_response_seconds")),
             "question to first answer"),
            ("duration", "Duration", fmt_minutes(s.get("duration_minutes")), "first to last message"),
            ("peak_minute", "Peak minute", peak,
             "" if missing(peak_n) else plural(int(peak_n), "message")),
            ("tech_issues", "Tech issues", fmt_int(s.get("n_tech_issues")), "can't hear, frozen…"),
        ]
    )
    parts = [
        header,
        kpis,
        _session_attendance(data, s),
        _session_activity(minutes, offset),
        _session_questions(questions, offset),
        _session_topics(topics),
        _session_people(top, int(s.get("n_messages") or 0)),
        _session_messages_list("Tech issues", tech, "No tech trouble was reported in the chat.",
                               "Messages about sound, video or connection trouble.", "message", offset),
        _session_messages_list("Links shared", links, "No links were posted.",
                               "Links are shown as text only; copy them to open.", "link", offset),
    ]
    return f"{name} · {s['course_id']} · classchat session report", "".join(parts)


def _session_attendance(data: Data, s: pd.Series) -> str:
    """Attendees, silent attendees (by name) and participation rate, or what a participants report would add."""
    sid = str(s["session_id"])
    if not attendance_text.session_has_report(s):
        return section("Attendance", empty_note(attendance_text.would_add_session(sid)))
    silent = data.optional("attendance", SILENT_ATTENDEES_SQL, sid)
    body = kpi_cards(attendance_text.session_figures(s))
    if silent is not None and not silent.empty:
        rows = [
            [esc(r["display_name"]) + role_badge(r["role"]), esc(fmt_minutes(r["minutes_present"])),
             esc(fmt_pct(r["share_present"]))]
            for _, r in silent.iterrows()
        ]
        body += "<h3>Silent attendees</h3>" + html_table(
            [("Person", "who"), ("Present", "num"), ("Share of the session", "num")], rows, cls="people"
        )
    note = esc(
        f"From the session's Zoom participants report: {attendance_text.silent_rule()}. "
        "Participation rate: attendees who wrote in the chat / attendees."
    )
    return section("Attendance", body, note=note)


def _session_activity(minutes: pd.DataFrame, offset: bool) -> str:
    if minutes.empty:
        return section("Messages per minute", empty_note("No messages in this session."))
    # The Session page's chart; without the questions being asked, which may be private.
    chart = inline_svg(
        figures.minute_activity(minutes, pd.DataFrame({"minute": [], "question": []}, dtype=object), offset=offset),
        "Messages per minute, peaks marked",
        width=CHART_WIDTH,
    )
    times = [pd.Timestamp(t) for t in minutes["minute_at"]]
    msgs = [int(v or 0) for v in minutes["n_messages"]]
    qs = [int(v or 0) for v in minutes["n_questions"]]
    peak_idx = [i for i, v in enumerate(minutes["is_peak"]) if not missing(v) and bool(v)]
    if peak_idx:
        listed = ", ".join(
            f"{fmt_clock(times[i], offset)} ({plural(msgs[i], 'message')}"
            + (f", {plural(qs[i], 'question')}" if qs[i] else "")
            + ")"
            for i in peak_idx
        )
        note = f"Peaks ({esc(rules.peak_rule())}): {esc(listed)}. Red bars are peaks, diamonds questions."
    else:
        note = "No minute stood out as a peak."
    silent = sum(1 for v in msgs if v == 0)
    note += f" {esc(plural(silent, 'minute'))} of {esc(fmt_int(len(msgs)))} without messages."
    return section("Messages per minute", chart + f'<p class="caption">{note}</p>')


def _session_questions(questions: pd.DataFrame, offset: bool = False) -> str:
    if questions.empty:
        return section("Questions", empty_note("No questions were detected in this session."))
    private = questions["is_private"].fillna(False).astype(bool)
    public = questions.loc[~private]
    rows = []
    for _, q in public.iterrows():
        if is_true(q["is_unanswered"]) or missing(q["answered_by"]):
            status = '<span class="status no">unanswered</span>'
            if is_true(q["is_repeated_question"]):
                status += ' <span class="tag">asked again later</span>'
            response, answer = MISSING, ""
        else:
            who = "TA" if q["answer_source"] == "ta" else str(q["answer_source"] or "")
            status = f'<span class="status yes">answered</span> <span class="tag">{esc(who)}</span>'
            response = esc(fmt_seconds(q["response_seconds"]))
            if is_true(q["answer_is_private"]):
                answer = '<span class="muted">(a private reply)</span>'
            else:
                answer = (
                    f'<span class="who">{esc(q["answerer"])}:</span> '
                    + chat_text(q["answer"], q["answer_language"])
                )
            answer += (
                f'<br><span class="evidence">evidence (score {esc(fmt_score(q["answer_score"]))}): '
                f'{esc(evidence_words(q["answer_evidence"]))}</span>'
            )
        rows.append(
            [
                esc(fmt_clock(q["sent_at"], offset, seconds=True)),
                esc(q["asker"]) + role_badge(q["role"]),
                chat_text(q["question"], q["language"]),
                status,
                response,
                answer,
            ]
        )
    n_un = int(questions["is_unanswered"].fillna(False).astype(bool).sum())
    note = (
        f"{esc(plural(len(questions), 'question'))}, {esc(fmt_int(n_un))} unanswered. "
        "Response: time from the question to its first answer. An answer is the later message with the "
        "strongest evidence (a reply, addressing the asker, shared words, an answer that fits the question's "
        "form, staff, the asker's thanks, coming soon after) scoring at least "
        f"{rules.number(rules.var('answer_threshold'))} (dbt var answer_threshold); below it the "
        "question is unanswered in the chat. Each answer shows its score and the evidence behind it."
        + esc(hidden_private(int(private.sum()), "question"))
    )
    headers = [("Time", "nowrap"), ("Asked by", "who"), ("Question", "wide"), ("Status", "nowrap"),
               ("Response", "num"), ("Answer", "wide")]
    return section("Questions", html_table(headers, rows, cls="list questions") if rows else "", note=note)


def _session_topics(topics: pd.DataFrame | None) -> str:
    if topics is None or topics.empty:
        return section("Question topics", empty_note("Too few questions to find recurring terms."))
    chart = inline_svg(figures.question_topics(topics), "Terms the session's questions were about")
    note = "The terms most questions were about, by the number of questions that use them."
    return section("Question topics", chart, note=note)


def _session_people(top: pd.DataFrame, n_messages: int) -> str:
    if top.empty:
        return section("Most active participants", empty_note("Nobody wrote in this session."))
    head = top.head(TOP_PEOPLE)
    chart = inline_svg(figures.session_people(head), "The most active participants of the session")
    rows = [
        [esc(r["display_name"]) + role_badge(r["role"]), esc(fmt_int(r["n_messages"])),
         esc(fmt_int(r["n_questions"])), esc(fmt_int(r["n_answers"])), esc(fmt_int(r.get("n_tech_issues")))]
        for _, r in head.iterrows()
    ]
    table = html_table([("Participant", "who"), ("Messages", "num"), ("Questions", "num"), ("Answers", "num"),
                    ("Tech issues", "num")], rows, cls="people")
    quiet = int((top["n_messages"] <= 1).sum())
    note = (
        f"{esc(plural(len(top), 'person', 'people'))} wrote; {esc(fmt_int(quiet))} of them only once. "
        "Answers: messages that answered someone's question."
    )
    return section("Most active participants", chart + table, note=note)


def _session_messages_list(
    title: str, frame: pd.DataFrame, empty: str, note: str, what: str, offset: bool = False
) -> str:
    if frame.empty:
        return section(title, empty_note(empty))
    private = frame["is_private"].fillna(False).astype(bool)
    public = frame.loc[~private]
    rows = [
        [
            esc(fmt_clock(r["sent_at"], offset, seconds=True)),
            esc(r["sender_name"]),
            chat_text(r["body"], r["language"]),
        ]
        for _, r in public.head(MAX_LIST_ROWS).iterrows()
    ]
    full_note = esc(note) + esc(hidden_private(int(private.sum()), what))
    table = html_table([("Time", "nowrap"), ("From", "who"), ("Message", "wide")], rows, cls="list")
    return section(title, table if rows else "", note=full_note)
