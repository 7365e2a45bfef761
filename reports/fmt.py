"""How figures read on a page: one formatter per kind of value, shared by the report and the export.

Owns the look of numbers, shares, durations, dates and times for people
(the Streamlit pages and the HTML export show the same figure the same way).
A missing value (None, NaN, NaT) reads as "–".
"""

from __future__ import annotations

import math

import pandas as pd


def missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_int(value: object) -> str:
    return "–" if missing(value) else f"{int(value):,}"


def fmt_float(value: object, digits: int = 1) -> str:
    return "–" if missing(value) else f"{float(value):,.{digits}f}"


def fmt_mean(value: object) -> str:
    """A mean: whole numbers plainly, small ones with a decimal."""
    if missing(value):
        return "–"
    v = float(value)
    return f"{v:,.0f}" if abs(v - round(v)) < 0.05 or abs(v) >= 100 else f"{v:,.1f}"


def fmt_pct(value: object) -> str:
    return "–" if missing(value) else f"{float(value) * 100:.0f}%"


def fmt_ratio(value: object) -> str:
    return "–" if missing(value) else f"{float(value):.2f}"


def fmt_seconds(value: object) -> str:
    """335 -> '5 min 35 s', 42 -> '42 s', 60 -> '1 min', 3900 -> '1 h 05 min'."""
    if missing(value):
        return "–"
    s = int(round(float(value)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, s = divmod(s, 60)
        return f"{m} min {s:02d} s" if s else f"{m} min"
    h, rest = divmod(s, 3600)
    return f"{h} h {rest // 60:02d} min"


def fmt_minutes(value: object) -> str:
    """45 -> '45 min', 159.4 -> '2 h 39 min'."""
    if missing(value):
        return "–"
    m = int(round(float(value)))
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d} min"


def fmt_date(value: object) -> str:
    return "undated" if missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def fmt_time(value: object, seconds: bool = False) -> str:
    return "–" if missing(value) else pd.Timestamp(value).strftime("%H:%M:%S" if seconds else "%H:%M")


# --- answer evidence in words -------------------------------------------------------
# The signals of int_questions_answered (docs/answers.md, "Signals and weights") as staff read
# them beside an answer link, so they can judge it: the Session page and the export alike.
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

