"""What the report's pages and the HTML export say about attendance (docs/attendance.md).

Owns two things, so the Course, Session and People pages, the Attendance page and the
export say them the same way:

* without a Zoom participants report: one sentence saying what a report would add and
  where it goes (`would_add_*`; paths are put through the caller's `path` formatter:
  `ui.code` on a page, plain text that the export then escapes);
* with reports: the attendance figures of a session or a course from the `sessions` and
  `courses` marts, as (key, label, value, note) tuples formatted by `reports.fmt`
  (percentages, "—" for missing), for a page's metrics or the export's key-figure cards.

A session or course "has a report" when its mart row says so: `sessions.n_attendees` is
null without one, `courses.n_sessions_with_attendance` is 0.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from classchat.reports import rules
from classchat.reports.fmt import fmt_int, fmt_mean, fmt_pct, missing

Figure = tuple[str, str, str, str]  # key, label, value, note

ADDS = "who attended and for how long, and who attended but never wrote (silent attendees)"


def _same(text: str) -> str:
    return text


def would_add_course(course: str, path: Callable[[str], str] = _same) -> str:
    """The sentence for a course with no participants report."""
    return (
        f"No Zoom participants report for this course: one per session, saved in {path(f'raw/{course}/')} "
        f"under its chat's name with {path('.csv')} (or as Zoom's {path('participants_<meeting id>.csv')}), "
        f"would add {ADDS}."
    )


def would_add_session(session_id: str, path: Callable[[str], str] = _same) -> str:
    """The sentence for a session with no participants report (its chat is raw/<session_id>.txt)."""
    return (
        f"No Zoom participants report for this session: saved beside its chat as "
        f"{path(f'raw/{session_id}.csv')}, it would add {ADDS}."
    )


def would_add_person(path: Callable[[str], str] = _same) -> str:
    """The sentence for a person none of whose sessions has a participants report."""
    return (
        f"No Zoom participants report for this person's sessions: one saved beside a session's chat in "
        f"{path('raw/<course>/')} (same name, {path('.csv')}) would add whether they attended, for how long, "
        "and where they were present but silent."
    )


def silent_rule() -> str:
    """The silent-attendee rule in words, with the dbt var the build used."""
    share = rules.var("silent_attendee_min_share")
    return (
        f"a silent attendee was present for at least {fmt_pct(share)} of the session "
        "(dbt var silent_attendee_min_share), wrote nothing and is not staff"
    )


def session_has_report(s: pd.Series) -> bool:
    return not missing(s.get("n_attendees"))


def course_has_report(c: pd.Series) -> bool:
    n = c.get("n_sessions_with_attendance")
    return not missing(n) and int(n) > 0


def session_figures(s: pd.Series) -> list[Figure]:
    """A session's attendance figures (`sessions` mart), for a session with a report."""
    return [
        ("attendees", "Attendees", fmt_int(s.get("n_attendees")), "in the participants report, staff included"),
        ("silent_attendees", "Silent attendees", fmt_int(s.get("n_silent_attendees")),
         "present, no message"),
        ("participation_rate", "Participation rate", fmt_pct(s.get("participation_rate")),
         f"{fmt_int(s.get('n_attendees_who_wrote'))} of {fmt_int(s.get('n_attendees'))} attendees wrote"),
    ]


def course_figures(c: pd.Series) -> list[Figure]:
    """A course's attendance figures (`courses` mart), over its sessions with a report."""
    n, total = c.get("n_sessions_with_attendance"), c.get("n_sessions")
    return [
        ("sessions_with_attendance", "Sessions with a report", fmt_int(n),
         f"of {fmt_int(total)} sessions"),
        ("attendees_per_session", "Attendees / session", fmt_mean(c.get("attendees_per_session")),
         "staff included"),
        ("silent_attendees_per_session", "Silent attendees / session",
         fmt_mean(c.get("silent_attendees_per_session")), "present, no message"),
        ("participation_rate", "Participation rate", fmt_pct(c.get("participation_rate")),
         "attendees who wrote, mean over those sessions"),
    ]
