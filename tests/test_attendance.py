"""Attendance end to end (issue 16): a course with chat exports, attendance reports and a roster
(tests/fixtures/attendance_course) through real ingests and dbt builds, against figures worked out by hand.

bio/2024-03-04_lecture1: chat (Prof Ada Stone, Ben Ortiz, Zed Quinn) and a report of the same name
(meeting 10:00-11:00, 60 min): Ada 10:00-11:00; "Benny (Ben Ortiz)" (renamed; matched by e-mail to
Ben) 2 min in the waiting room then 10:00-10:50; "Okafor, Chidi" 10:05-10:20 and a rejoin
10:25-10:55 (45 min); "Dana W" 10:02-11:00, below the match threshold (unclaimed); "Eli Novack"
(a typo of Eli Novak) 10:10-10:20; "Guest iPhone" (a guest) 10:30-10:45. Zed is only in the chat.
bio/2024-03-11_lecture2: chat (Ada, Chidi) and participants_84512093347.csv, tied by its meeting
date: Ada and Chidi 60 min, Ben 40, Dana Whitfield 20.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
from helpers import FIXTURES

from streamlit.testing.v1 import AppTest

from classchat.config import REPORTS_DIR
from classchat.pipeline import run_stages
from classchat.reports import queries as Q

S1, S2 = "bio/2024-03-04_lecture1", "bio/2024-03-11_lecture2"
PAGE = REPORTS_DIR / "views" / "attendance.py"


def run(paths, **options):
    """Ingest and build for real (the checks are the GX suites' business, tested elsewhere)."""
    run_stages(paths, "test", ingest=True, build=True, say=lambda _m: None, **options)


def _rows(paths, sql):
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def course(paths):
    shutil.copytree(FIXTURES / "attendance_course", paths.raw, dirs_exist_ok=True)
    run(paths)
    return paths


@pytest.mark.slow
def test_attendance_figures_matches_and_silent_attendees(course, monkeypatch):
    att = {
        (s, n): rest
        for s, n, *rest in _rows(course, """
            select session_id, display_name, minutes_present, share_present, n_joins, n_rejoins,
                   n_waiting_room_rows, n_messages, is_silent_attendee, is_claimed, is_guest, role
            from attendance""")
    }
    assert att == {
        (S1, "Prof Ada Stone"): [60.0, 1.0, 1, 0, 0, 2, False, True, False, "instructor"],
        (S1, "Benny"): [50.0, 0.8333, 1, 0, 1, 1, False, True, False, "student"],
        (S1, "Okafor, Chidi"): [45.0, 0.75, 2, 1, 0, 0, True, True, True, "student"],
        (S1, "Dana W"): [58.0, 0.9667, 1, 0, 0, 0, True, False, True, "unknown"],
        (S1, "Eli Novack"): [10.0, 0.1667, 1, 0, 0, 0, False, True, True, "student"],
        (S1, "Guest iPhone"): [15.0, 0.25, 1, 0, 0, 0, False, False, True, "unknown"],
        (S2, "Prof Ada Stone"): [60.0, 1.0, 1, 0, 0, 1, False, True, False, "instructor"],
        (S2, "Chidi Okafor"): [60.0, 1.0, 1, 0, 0, 1, False, True, True, "student"],
        (S2, "Ben Ortiz"): [40.0, 0.6667, 1, 0, 0, 0, True, True, False, "student"],
        (S2, "Dana Whitfield"): [20.0, 0.3333, 1, 0, 0, 0, False, True, True, "student"],
    }
    matches = {
        p: (rule, score, name, claimed)
        for p, rule, score, name, claimed in _rows(course, """
            select participant, match_rule, match_score, matched_name, is_claimed from name_matches""")
    }
    assert matches["Benny (Ben Ortiz)"] == ("email", 100.0, "Ben Ortiz", True)  # renamed, known by e-mail
    assert matches["Okafor, Chidi"] == ("exact", 100.0, "Chidi Okafor", True)  # word order
    assert matches["Eli Novack"] == ("fuzzy", 94.7, "Eli Novak", True)
    assert matches["Dana W"] == ("below_threshold", 60.0, "Dana Whitfield", False)  # listed, not merged
    assert matches["Guest iPhone"][0] == "below_threshold" and matches["Guest iPhone"][3] is False
    # the renamed participant and their roster name are one person; Chidi too, across both spellings
    assert _rows(course, "select count(distinct user_id) from attendance where display_name in ('Benny', 'Ben Ortiz')") \
        == [(1,)]
    assert _rows(course, """select session_id, n_participants, n_attendees, n_silent_attendees,
                            n_attendees_who_wrote, round(participation_rate, 4)
                            from sessions order by 1""") == [
        (S1, 3, 6, 2, 2, 0.3333),
        (S2, 2, 4, 1, 2, 0.5),
    ]
    assert _rows(course, """select n_sessions_with_attendance, attendees_per_session, silent_attendees_per_session,
                            round(participation_rate, 4) from courses""") == [(2, 5.0, 1.5, 0.4167)]
    us = {
        (s, n): (msgs, minutes, silent)
        for s, n, msgs, minutes, silent in _rows(course, """
            select session_id, display_name, n_messages, minutes_present, is_silent_attendee from user_sessions""")
    }
    assert us[(S1, "Zed Quinn")] == (1, None, False)  # a name only in the chat: no attendance figures
    assert us[(S1, "Okafor, Chidi")] == (0, 45.0, True)
    assert us[(S2, "Ben Ortiz")] == (0, 40.0, True)
    assert len(us) == 11
    users = {
        n: (key, attended, minutes)
        for n, key, attended, minutes in _rows(course, """
            select display_name, user_key, n_sessions_attended, minutes_present from users""")
    }
    assert users["Ben Ortiz"] == ("s1", 2, 90.0)
    assert users["Dana W"] == (None, 1, 58.0)  # unclaimed: a person of their own
    assert users["Zed Quinn"] == (None, None, None)
    files = _rows(course, "select source_file, status, session_id, session_link from attendance_files order by 1")
    assert files == [
        ("bio/2024-03-04_lecture1.csv", "landed", S1, "name"),
        ("bio/participants_84512093347.csv", "landed", S2, "date"),
    ]

    # the named queries read the same figures
    weeks = Q.run_query(course.warehouse, "attendance_by_week", {"course": "bio"})
    assert [tuple(r) for r in weeks[["iso_week", "n_sessions_with_report", "n_attendances", "n_silent_attendances",
                                     "participation_rate"]].itertuples(index=False)] == [
        ("2024-W10", 1, 6, 2, 0.333), ("2024-W11", 1, 4, 1, 0.5),
    ]
    silent = Q.run_query(course.warehouse, "silent_attendees", {"course": "bio"})
    assert [tuple(r) for r in silent[["display_name", "n_silent_sessions", "n_sessions_attended", "is_claimed"]]
            .itertuples(index=False)] == [
        ("Dana W", 1, 1, False), ("Chidi Okafor", 1, 2, True), ("Ben Ortiz", 1, 2, True),
    ]

    # the report's Attendance page: the term grid, the support rules, the names that matched nobody
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(course.data_dir))
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "named")
    page = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not page.exception and not page.error
    grid, unclaimed, chat_only, every_match = (d.value for d in page.dataframe)  # nobody flagged: no table
    assert chat_only[["display_name", "session_id", "n_messages"]].values.tolist() == [["Zed Quinn", S1, 1]]
    assert len(every_match) == 9 and every_match["is_claimed"].tolist()[:2] == [False, False]
    assert grid.values.tolist() == [
        ["Ben Ortiz", "student", "wrote", "present, no message"],
        ["Chidi Okafor", "student", "present, no message", "wrote"],
        ["Dana W", "unknown", "present, no message", "absent"],
        ["Dana Whitfield", "student", "absent", "present, no message"],
        ["Eli Novack", "student", "present, no message", "absent"],
        ["Guest iPhone", "unknown", "present, no message", "absent"],
        ["Prof Ada Stone", "instructor", "wrote", "wrote"],  # staff last
    ]
    assert list(grid.columns) == ["person", "role", "2024-03-04 · lecture1", "2024-03-11 · lecture2"]
    assert unclaimed[["participant", "match_rule", "matched_name"]].values.tolist() == [
        ["Dana W", "below_threshold", "Dana Whitfield"], ["Guest iPhone", "below_threshold", "Prof Ada Stone"],
    ]
    rules = " ".join(m.value for m in page.markdown)
    assert "present but silent in at least 2 of them" in rules and "left unanswered" in rules
    assert "Nobody is flagged by these rules." in [c.value for c in page.caption]

    # staff resolve the unclaimed name with an alias: the next run merges it, with its rule
    roster = course.raw / "roster.csv"
    roster.write_text(roster.read_text().replace("Dana Whitfield,s3,student,Dee W,", "Dana Whitfield,s3,student,Dee W|Dana W,"))
    run(course)
    assert _rows(course, "select match_rule, match_source, is_claimed from name_matches where participant = 'Dana W'") \
        == [("exact", "roster_alias", True)]
    assert _rows(course, "select n_sessions_attended, minutes_present from users where user_key = 's3'") == [(2, 78.0)]

    # without the reports everything is as it was: writers only, attendance figures null
    for f in course.raw.glob("bio/*.csv"):
        f.unlink()
    run(course, prune=True)
    assert _rows(course, "select count(*) from attendance") == [(0,)]
    assert _rows(course, "select n_sessions_with_attendance, attendees_per_session from courses") == [(0, None)]
    assert _rows(course, "select n_attendees, n_silent_attendees, participation_rate from sessions") == [
        (None, None, None), (None, None, None),
    ]
    assert _rows(course, "select count(*), count(minutes_present), bool_or(is_silent_attendee) from user_sessions") \
        == [(5, 0, False)]
    assert _rows(course, "select count(*) from users where n_messages = 0") == [(0,)]


def _page(page: str) -> AppTest:
    at = AppTest.from_file(str(REPORTS_DIR / "app.py"), default_timeout=60).run()
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    return at


@pytest.mark.slow
def test_pages_and_export_show_attendance_figures(course, monkeypatch):
    """With reports: the Course, Session and People pages and the HTML export show the attendance figures
    worked by hand above (no "a report would add" sentence); names in the export stay escaped data."""
    from classchat.reports.export import export_html
    from classchat.reports.privacy import Privacy

    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(course.data_dir))
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "named")

    at = _page("course")
    shown = {m.label: m.value for m in at.metric}
    assert {k: shown[k] for k in ("Sessions with a report", "Attendees / session", "Silent attendees / session",
                                  "Participation rate")} == {
        "Sessions with a report": "2", "Attendees / session": "5", "Silent attendees / session": "1.5",
        "Participation rate": "42%",  # mean of 1/3 and 1/2
    }
    captions = " ".join(c.value for c in at.caption)
    assert "present for at least 50% of the session" in captions and "would add" not in captions

    at = _page("session")
    at.selectbox(key="widget:session").set_value(S1).run()
    shown = {m.label: m.value for m in at.metric}
    assert (shown["Attendees"], shown["Silent attendees"], shown["Participation rate"]) == ("6", "2", "33%")
    assert "would add" not in " ".join(c.value for c in at.caption)

    at = _page("people")
    at.selectbox(key="widget:person").set_value(_user_id(course, "Chidi Okafor")).run()
    shown = {m.label: m.value for m in at.metric}
    assert (shown["Sessions attended"], shown["Time present"], shown["Silent attendee in"]) == (
        "2", "1h 45m", "1 session")  # 45 + 60 minutes; silent in lecture 1

    doc = export_html(course.warehouse, course="bio", privacy=Privacy("named"))
    assert 'data-kpi="attendees_per_session"><div class="kpi-value">5<' in doc
    assert 'data-kpi="participation_rate"><div class="kpi-value">42%<' in doc
    assert "would add" not in doc and "People who attended but never wrote are under Attendance" in doc
    doc = export_html(course.warehouse, course="bio", session=S1, privacy=Privacy("named"))
    assert 'data-kpi="attendees"><div class="kpi-value">6<' in doc
    assert 'data-kpi="silent_attendees"><div class="kpi-value">2<' in doc
    assert 'data-kpi="participation_rate"><div class="kpi-value">33%<' in doc
    silent = doc[doc.index("<h3>Silent attendees</h3>"):]
    assert silent.index("Dana W") < silent.index("Okafor, Chidi")  # 97% then 75% of the session

    # a name from a report is data: escaped in the export, never markup
    con = duckdb.connect(str(course.warehouse))
    con.execute("update attendance set display_name = '<b>x</b> [a](https://evil.example)' "
                "where display_name = 'Dana W'")
    con.close()
    doc = export_html(course.warehouse, course="bio", session=S1, privacy=Privacy("named"))
    assert "&lt;b&gt;x&lt;/b&gt; [a](https://evil.example)" in doc and "<b>x</b>" not in doc


def _user_id(paths, name):
    return _rows(paths, f"select user_id from users where display_name = '{name}'")[0][0]
