"""How figures read on a page: one formatter per kind of value, shared by the report and the export.

Owns the look of numbers, shares, durations, dates, times and column names for people
(the Streamlit pages and the HTML export show the same figure the same way).
A missing value (None, NaN, NaT) reads as "—" (`MISSING`), in tables too.
"""

from __future__ import annotations

import math

import pandas as pd

MISSING = "—"


def missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_int(value: object) -> str:
    return MISSING if missing(value) else f"{int(value):,}"


def plural(n: object, word: str, words: str | None = None) -> str:
    """`1 session`, `3 sessions`, `2 people` (with `words`)."""
    k = 0 if missing(n) else int(n)
    return f"{k:,} {word if k == 1 else (words or word + 's')}"


def fmt_float(value: object, digits: int = 1) -> str:
    return MISSING if missing(value) else f"{float(value):,.{digits}f}"


def fmt_mean(value: object) -> str:
    """A mean: whole numbers plainly, small ones with a decimal."""
    if missing(value):
        return MISSING
    v = float(value)
    return f"{v:,.0f}" if abs(v - round(v)) < 0.05 or abs(v) >= 100 else f"{v:,.1f}"


def fmt_pct(value: object) -> str:
    return MISSING if missing(value) else f"{float(value) * 100:.0f}%"


def fmt_ratio(value: object) -> str:
    return MISSING if missing(value) else f"{float(value):.2f}"


def fmt_seconds(value: object) -> str:
    """335 -> '5 min 35 s', 42 -> '42 s', 60 -> '1 min', 3900 -> '1 h 05 min'."""
    if missing(value):
        return MISSING
    s = int(round(float(value)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, s = divmod(s, 60)
        return f"{m} min {s:02d} s" if s else f"{m} min"
    h, rest = divmod(s, 3600)
    return f"{h} h {rest // 60:02d} min"


def fmt_minutes(value: object, compact: bool = False) -> str:
    """45 -> '45 min', 159.4 -> '2 h 39 min' (compact, for a key figure: '2h 39m')."""
    if missing(value):
        return MISSING
    m = int(round(float(value)))
    if compact:
        return f"{m} min" if m < 60 else f"{m // 60}h {m % 60:02d}m"
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d} min"


def fmt_date(value: object) -> str:
    return "undated" if missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def fmt_time(value: object, seconds: bool = False) -> str:
    return MISSING if missing(value) else pd.Timestamp(value).strftime("%H:%M:%S" if seconds else "%H:%M")


OFFSET_NOTE = (
    "The start of this recording is unknown, so its times are offsets from the start (+HH:MM:SS), "
    "not times of day."
)


def is_offset_session(session: pd.Series) -> bool:
    """A session whose times count from an unknown recording start (`sessions.time_basis` = 'offset')."""
    return session.get("time_basis") == "offset"


def fmt_clock(value: object, offset: bool, seconds: bool = False) -> str:
    """A time in a session: the time of day, or `+HH:MM[:SS]` from the recording's start in an offset
    session (`is_offset_session`), so an offset never reads as a time of day."""
    text = fmt_time(value, seconds)
    return f"+{text}" if offset and text != MISSING else text


# --- answer evidence in words -------------------------------------------------------
# The signals of int_questions_answered (docs/answers.md, "Signals and weights") as staff read
# them beside an answer link, so they can judge it: the Session page and the export alike.
EVIDENCE_WORDS: dict[str, str] = {
    "reply": "a reply to (or quote of) the question",
    "addresses_asker": "addresses the asker",
    "addresses_other": "against: addresses someone else",
    "shared_terms": "shares words with the question",
    "answer_cue": "fits the question's form (yes/no, because, how, when, where or a place name, how many, what)",
    "cue_mismatch": "against: yes/no to a why/how/what question",
    "staff": "written by staff",
    "helper": "by someone who answered earlier in the session",
    "acknowledged": "the asker thanked, said ok or reacted to it",
    "next_message": "the next message",
    "second_message": "the second message after it",
    "thanks": "against: opens with thanks",
    "late": "against: more than a few minutes later",
    "asked_again": "against: the asker asked again before it",
    "after_asker_done": "against: the asker had already said thanks/ok before it",
    "same_question": "the answer to the same question asked again (a follow-up, 'same question', or the same words)",
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



# --- column labels ----------------------------------------------------------------------
# Tables show people words, never warehouse names (`peak_minute`, `n_questions`, `course_id`).
COLUMN_LABELS: dict[str, str] = {
    "course_id": "course",
    "session_id": "session",
    "session_date": "date",
    "n_messages": "messages",
    "n_participants": "people",
    "n_senders": "people",
    "n_unanswered_questions": "unanswered",
    "n_unanswered": "unanswered",
    "n_answers": "answers given",
    "n_tech_issues": "tech issues",
    "display_name": "person",
    "sender_name": "from",
    "peak_minute": "peak minute",
    "peak_minute_at": "peak minute",
    "peak_minute_messages": "peak messages",
    "participation_gini": "Gini",
    "mean_session_gini": "mean session Gini",
    "top10_share": "top 10% share",
    "answered_share": "answered",
    "message_share": "share",
    "median_response_seconds": "median response (s)",
    "p90_response_seconds": "90th percentile response (s)",
    "response_seconds": "response (s)",
    "duration_minutes": "minutes",
    "message_kind": "kind",
    "source_format": "export format",
    "source_file": "file",
    "source_line": "line",
    "line_no": "line",
    "raw_text": "text",
    "body": "message",
    "column_name": "column",
    "user_key": "roster key",
    "first_session_date": "first session",
    "last_session_date": "last session",
    "answer_source": "answered by (role)",
    "answer_rule": "found by",
    "answer_score": "score",
    "answer_evidence": "evidence",
    "best_rank": "best rank",
    "first_asked_on": "first asked",
    "last_asked_on": "last asked",
    "great_expectations_version": "GX version",
    "inputs_sha256": "inputs (sha256)",
}


def column_label(name: str) -> str:
    """A column's label for people: `n_questions` -> 'questions', `first_seen_at` -> 'first seen'."""
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    words = name.removeprefix("n_").removeprefix("is_").removeprefix("has_")
    for suffix in ("_at", "_id"):
        words = words.removesuffix(suffix)
    return words.replace("_", " ").strip() or name


def session_label(session_date: object, title: object, session_id: str = "") -> str:
    """`2024-06-03 · week1`: the date and the title (the session id without one), as plain text."""
    text = title if isinstance(title, str) and title.strip() else session_id
    return f"{fmt_date(session_date)} · {text}"
