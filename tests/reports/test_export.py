"""Tests of the static HTML export (reports/export.py) on a real warehouse.

The warehouse is built once with the real ingest and dbt build from
tests/fixtures/analytics, whose figures test_analytics.py works out by hand:
course ml has one session, ml/2024-06-03_week1, with 14 messages from 5
people, 5 questions of which 3 stay unanswered, a median response of 335 s
and its peak minute at 10:00 with 3 messages. Tests that need odd data
(markup in chat text, private messages, a `runs` table) change a copy of it.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import analytics_copy


PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from classchat.reports import db  # noqa: E402
from classchat.reports.export import export_html, write_export  # noqa: E402
from classchat.reports.privacy import Privacy  # noqa: E402

ML = "ml/2024-06-03_week1"
NAMED = Privacy("named")
LINK = "https://example.com/notes"  # the one URL in the fixture's chat (Ann, 10:45)


@pytest.fixture(scope="session")
def warehouse(analytics_built, tmp_path_factory) -> Path:
    return analytics_copy(analytics_built, tmp_path_factory, "export").warehouse


@pytest.fixture(scope="session")
def course_doc(warehouse) -> str:
    return export_html(warehouse, course="ml", privacy=NAMED)


@pytest.fixture(scope="session")
def session_doc(warehouse) -> str:
    return export_html(warehouse, course="ml", session=ML, privacy=NAMED)


@pytest.fixture
def copy(warehouse, tmp_path) -> Path:
    """A private copy of the warehouse in its own data directory, free to change."""
    target = tmp_path / "data" / "warehouse.duckdb"
    target.parent.mkdir(parents=True)
    shutil.copyfile(warehouse, target)
    return target


def change(path: Path, *statements: tuple[str, list]) -> None:
    con = duckdb.connect(str(path))
    try:
        for sql, params in statements:
            con.execute(sql, params)
    finally:
        con.close()


def kpis(doc: str) -> dict[str, str]:
    """The key-figure cards: data-kpi name -> the value shown."""
    return dict(re.findall(r'data-kpi="([a-z_0-9]+)"><div class="kpi-value">([^<]*)</div>', doc))


def section(doc: str, title: str) -> str:
    match = re.search(rf"<section[^>]*><h2>{re.escape(title)}</h2>(.*?)</section>", doc, re.S)
    assert match, f"no section {title!r}"
    return match.group(1)


# --- what the exports show ----------------------------------------------------------


def test_course_export_shows_the_course_figures(course_doc):
    assert kpis(course_doc) == {
        "sessions": "1",
        "participants": "5",
        "messages_per_session": "14",
        "questions_per_session": "5",
        "answered_share": "40%",  # 2 of 5 answered
        "median_response": "5 min 35 s",  # median of 70 s and 600 s
        "participation_gini": "0.31",  # 0.3143, worked out in test_analytics.py
        "tech_issues": "1",
    }
    assert "<h1>ml</h1>" in course_doc
    table = section(course_doc, "Sessions")
    assert ML in table and "10:00 (3)" in table  # the peak minute and its messages


def test_without_attendance_reports_the_export_says_what_one_would_add(course_doc, session_doc):
    """No participants report in the fixture: no attendance figures, one sentence saying what a report
    would add and where it goes (tests/test_attendance.py shows the figures with reports)."""
    would_add = "would add who attended and for how long, and who attended but never wrote (silent attendees)"
    course = section(course_doc, "Attendance")
    assert "No Zoom participants report for this course: one per session, saved in raw/ml/" in course
    assert would_add in course and "participation_rate" not in kpis(course_doc)
    session = section(session_doc, "Attendance")
    assert f"saved beside its chat as raw/{ML}.csv, it {would_add}" in session
    assert "attendees" not in kpis(session_doc)
    assert "People who never wrote in the chat are not in the exports" in course_doc


def test_course_export_lists_the_unanswered_questions_only(course_doc):
    unanswered = section(course_doc, "Unanswered questions")
    assert "大家好，能听到吗？" in unanswered
    assert unanswered.count("为什么 relu 不会梯度消失") == 2  # asked, then asked again
    assert "asked again later" in unanswered
    assert "什么是梯度消失？" not in unanswered  # answered after 70 s
    assert "learning rate" not in unanswered  # answered by @mention
    assert "is the exam open book?" not in course_doc  # course stats is not in ml's export


def test_course_export_shows_participation_and_trend(course_doc):
    part = section(course_doc, "Participation")
    # Ann 5, Bo 4, Prof Li 3, Cy 1, Dan 1: Ann is the top tenth; half of 14 needs Ann and Bo
    assert "sent <b>36%</b> of the 14 messages" in part
    assert "<b>2 people</b> (40% of participants)" in part
    assert "<b>2</b> of 5 participants (40%) are silent-ish" in part
    carriers = part.split("Who carries the chat", 1)[1]
    assert carriers.index(">Ann<") < carriers.index(">Bo<") < carriers.index(">Prof Li<")  # most messages first
    assert ">instructor<" in carriers  # the role's colour is in the legend
    # one session: no trend yet, as on the Course page
    assert "more than one session" in section(course_doc, "Over the term")


def test_course_export_draws_the_trend_of_the_pages(copy):
    """The trend is the Course page's chart (reports.figures.term_trends), drawn as inline SVG."""
    change(copy, (
        "insert into sessions select * replace ('ml/2024-06-10_week2' as session_id, date '2024-06-10' as session_date,"
        " 20 as n_messages) from sessions where session_id = ?", [ML],
    ))
    trend = section(export_html(copy, course="ml", privacy=NAMED), "Over the term")
    assert trend.count("<svg") == 1 and 'role="img"' in trend
    for text in (">06-03</text>", ">06-10</text>", ">Messages</text>", ">Answered share</text>", ">20</text>"):
        assert text in trend, text


def test_session_export_shows_the_session_figures(session_doc):
    assert kpis(session_doc) == {
        "messages": "14",
        "participants": "5",
        "questions": "5",
        "unanswered": "3",
        "median_response": "5 min 35 s",
        "duration": "45 min",
        "peak_minute": "10:00",
        "tech_issues": "1",
    }
    assert "3 messages" in session_doc  # under the peak minute


def test_session_export_shows_questions_answers_and_response_times(session_doc):
    questions = section(session_doc, "Questions")
    rows = re.findall(r"<tr>(.*?)</tr>", questions, re.S)[1:]
    assert len(rows) == 5
    assert "什么是梯度消失？" in rows[1] and "answered" in rows[1] and "1 min 10 s" in rows[1]
    assert "梯度在反向传播时越来越小" in rows[1]  # the answer itself, by the instructor
    assert "learning rate" in rows[2] and "10 min" in rows[2] and "@Cy start with 0.001" in rows[2]
    for i in (0, 3, 4):
        assert "unanswered" in rows[i]
    assert "为什么 relu 不会梯度消失" in rows[3] and "asked again later" in rows[3]
    # beside each answer link: its score and the signals that fired, in words, so staff can judge it
    assert re.search(r"evidence \(score [0-9.]+\): [^<]*shares words with the question", rows[1])
    assert "written by staff" in rows[1]
    assert re.search(r"evidence \(score [0-9.]+\): [^<]*addresses the asker", rows[2])
    for i in (0, 3, 4):
        assert "evidence (score" not in rows[i]
    assert "next substantive message" not in questions  # the removed first-come rule is not described


def test_evidence_is_escaped_and_in_words():
    import pandas as pd

    from classchat.reports.export import evidence_words, fmt_score

    assert evidence_words(["reply", "late"]) == (
        "a reply to (or quote of) the question; against: more than a few minutes later"
    )
    assert evidence_words(None) == "" and evidence_words(float("nan")) == "" and evidence_words(pd.NA) == ""
    assert evidence_words(["some_new_signal"]) == "some new signal"
    assert fmt_score(4.0) == "4" and fmt_score(2.5) == "2.5" and fmt_score(None) == ""


def test_session_export_shows_activity_topics_tech_and_people(session_doc):
    activity = section(session_doc, "Messages per minute")
    assert activity.count("<svg") == 1 and ">10:00</text>" in activity  # the peak is labelled above its bar
    assert "10:00 (3 messages, 1 question)" in activity
    topics = section(session_doc, "Question topics")
    assert ">梯度消失</text>" in topics and ">relu</text>" in topics  # the terms label the bars
    assert "term: 梯度消失; n_questions: 3" in topics  # the bar's description: 3 questions
    assert "听不到了" in section(session_doc, "Tech issues")
    people = section(session_doc, "Most active participants")
    assert people.index(">Ann<") < people.index(">Bo<") < people.index(">Prof Li<")
    assert LINK in section(session_doc, "Links shared")


# --- self-contained and safe --------------------------------------------------------


@pytest.mark.parametrize("doc_name", ["course_doc", "session_doc"])
def test_exports_are_self_contained(doc_name, request):
    doc = request.getfixturevalue(doc_name)
    assert doc.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in doc
    assert "<svg" in doc and "<style>" in doc
    for needle in ("<script", "src=", "href=", "@import", "url(", "<link", "<img", "<iframe", "<object", "<a "):
        assert needle not in doc.lower(), needle
    # the only URL is the one typed into the chat, shown as text
    assert re.findall(r"https?:", doc) == ["https:"] * doc.count(LINK)
    assert "Content-Security-Policy" in doc and "default-src 'none'" in doc
    assert "Noto Sans CJK SC" in doc  # the reader's own CJK fonts


def test_chat_text_and_names_are_escaped(copy):
    change(
        copy,
        ("update messages set body = ? where session_id = ? and seq = 1", ["<script>alert(1)</script>", ML]),
        ("update messages set body = ? where session_id = ? and seq = 14",
         ['<a href="http://evil.example/">x</a> <img src=x onerror=alert(1)>', ML]),
        ("update messages set sender_name = ? where session_id = ? and seq = 7", ['Cy"><b>bold</b>', ML]),
        ("update sessions set title = ? where session_id = ?", ["<i>week</i> 1 & 2", ML]),
    )
    for doc in (export_html(copy, course="ml", privacy=NAMED),
                export_html(copy, course="ml", session=ML, privacy=NAMED)):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
        for tag in ("<script", "<img", "<a ", 'href="'):  # only their escaped text
            assert tag not in doc, tag
        assert "&lt;i&gt;week&lt;/i&gt; 1 &amp; 2" in doc and "<i>" not in doc
    session_doc = export_html(copy, course="ml", session=ML, privacy=NAMED)
    assert "&lt;a href=&quot;http://evil.example/&quot;&gt;x&lt;/a&gt;" in session_doc
    assert "Cy&quot;&gt;&lt;b&gt;bold&lt;/b&gt;" in session_doc and "<b>bold" not in session_doc


def test_private_messages_are_counted_but_not_shown(copy):
    change(copy, ("update messages set is_private = true where session_id = ? and seq = 12", [ML]))  # 听不到了
    change(copy, ("update messages set is_private = true where session_id = ? and seq = 1", [ML]))  # a question
    doc = export_html(copy, course="ml", session=ML, privacy=NAMED)
    assert "听不到了" not in doc and "大家好，能听到吗？" not in doc
    assert "1 private question counted above" in section(doc, "Questions")
    assert "1 private message counted above" in section(doc, "Tech issues")
    assert kpis(doc)["questions"] == "5"
    assert "大家好，能听到吗？" not in export_html(copy, course="ml", privacy=NAMED)


# --- privacy ----------------------------------------------------------------------------


def test_pseudonymous_export_hides_every_name(warehouse):
    from classchat.pseudonymise import pseudonymous_path, publish_pseudonymous

    publish_pseudonymous(warehouse.parent, warehouse, pseudonymous_path(warehouse))  # as the pipeline does
    privacy = Privacy.for_data_dir(warehouse.parent, "pseudonymous")  # its key, to compute expected pseudonyms
    for doc in (export_html(warehouse, course="ml", privacy=privacy),
                export_html(warehouse, course="ml", session=ML, privacy=privacy)):
        assert "Prof Li" not in doc
        assert privacy.name("Prof Li") in doc
        assert "pseudonymised" in doc and 'data-privacy="pseudonymous"' in doc
    session_doc = export_html(warehouse, course="ml", session=ML, privacy=privacy)
    for name in ("Ann", "Bo", "Cy", "Dan"):
        assert f">{name}" not in session_doc and f"{name}:" not in session_doc, name
    assert f"@{privacy.name('Cy')} start with 0.001" in session_doc  # the mention inside the answer


def test_privacy_defaults_to_the_environment(copy, monkeypatch):
    monkeypatch.delenv("CLASSCHAT_PRIVACY", raising=False)
    named = export_html(copy, course="ml")
    assert "Prof Li" in named and "Names are shown as they appear" in named
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "pseudonymous")
    from classchat.pseudonymise import pseudonymous_path, publish_pseudonymous

    with pytest.raises(db.WarehouseMissing, match="pseudonymous"):  # never the named file instead
        export_html(copy, course="ml", session=ML)
    publish_pseudonymous(copy.parent, copy, pseudonymous_path(copy))  # as the pipeline does
    assert "Prof Li" not in export_html(copy, course="ml", session=ML)
    assert (copy.parent / ".classchat_key").exists()  # the data directory's own key


# --- finding the course and session -------------------------------------------------------


def test_unknown_course_or_session_names_the_known_ones(warehouse):
    with pytest.raises(ValueError, match=r"^no course 'x'; courses: ml, stats$"):
        export_html(warehouse, course="x", privacy=NAMED)
    with pytest.raises(ValueError, match=r"no session 'week9' in course 'ml'; sessions: ml/2024-06-03_week1"):
        export_html(warehouse, course="ml", session="week9", privacy=NAMED)
    with pytest.raises(ValueError, match="no session"):  # a session of another course
        export_html(warehouse, course="ml", session="stats/2024-06-04_week1", privacy=NAMED)


@pytest.mark.parametrize("name", [ML, "2024-06-03_week1", "2024-06-03"])
def test_a_session_is_found_by_id_by_name_or_by_date(warehouse, name):
    assert kpis(export_html(warehouse, course="ml", session=name, privacy=NAMED))["messages"] == "14"


# --- provenance and writing ---------------------------------------------------------------


def test_footer_names_the_source_and_the_run(warehouse, course_doc):
    footer = course_doc.split("<footer", 1)[1]
    assert "Generated " in footer and "warehouse.duckdb" in footer
    assert str(warehouse.parent) not in footer  # the file name, not where it lives
    assert "Run given00run00" not in footer
    run = {"run_id": "abc123def456", "ended_at": "2024-06-03 12:00:00",
           "versions": {"classchat": "0.1.0", "dbt": "1.11"}}
    footer = export_html(warehouse, course="ml", privacy=NAMED, run=run).split("<footer", 1)[1]
    assert "abc123def456" in footer and "2024-06-03 12:00" in footer and "dbt 1.11" in footer


def test_footer_without_a_runs_table_names_no_run(copy):
    change(copy, ("drop table if exists runs", []))
    footer = export_html(copy, course="ml", privacy=NAMED).split("<footer", 1)[1]
    assert "warehouse.duckdb" in footer and "Run " not in footer


def test_footer_reads_the_latest_run_from_the_runs_table(copy):
    change(
        copy,
        ("drop table if exists runs", []),  # the build's own run, if it records one
        ("create table runs (run_id varchar, command varchar, started_at timestamp, ended_at timestamp, "
         "outcome varchar, classchat_version varchar, dbt_version varchar)", []),
        ("insert into runs values ('old0000run00', 'run', '2024-06-01 09:00', '2024-06-01 09:01', 'success', "
         "'0.0.9', '1.10.0'), ('new1111run11', 'run', '2024-06-03 11:00', '2024-06-03 11:02', 'success', "
         "'0.1.0', '1.11.16')", []),
    )
    footer = export_html(copy, course="ml", privacy=NAMED).split("<footer", 1)[1]
    assert "new1111run11" in footer and "old0000run00" not in footer
    assert "2024-06-03 11:02" in footer and "dbt 1.11.16" in footer
    given = export_html(copy, course="ml", privacy=NAMED, run={"run_id": "given00run00"})
    assert "given00run00" in given and "new1111run11" not in given
    # `classchat export` hands in the run it read itself: the footer names the same run and versions
    handed = export_html(copy, course="ml", privacy=NAMED, run=db.latest_run(copy)).split("<footer", 1)[1]
    assert "new1111run11" in handed and "dbt 1.11.16" in handed


def test_write_export_writes_the_document_atomically(warehouse, tmp_path):
    out = tmp_path / "mail" / "ml.html"
    assert write_export(warehouse, course="ml", session=ML, privacy=NAMED, out=out) == out
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "为什么 relu 不会梯度消失" in text
    write_export(warehouse, course="ml", privacy=NAMED, out=out)  # replaces it
    assert "<h1>ml</h1>" in out.read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == ["ml.html"]  # no temp file left
    with pytest.raises(ValueError):
        write_export(warehouse, course="nope", privacy=NAMED, out=tmp_path / "mail" / "nope.html")
    assert [p.name for p in out.parent.iterdir()] == ["ml.html"]


def test_an_offset_session_never_shows_offsets_as_times_of_day(copy):
    """A recording whose start is unknown (sessions.time_basis 'offset'): every time reads +HH:MM(:SS)."""
    change(copy, ("update sessions set time_basis = 'offset' where session_id = ?", [ML]))
    doc = export_html(copy, course="ml", session=ML, privacy=NAMED)
    assert "offsets from the start" in doc
    assert kpis(doc)["peak_minute"] == "+10:00"
    rows = re.findall(r"<tr>(.*?)</tr>", section(doc, "Questions"), re.S)[1:]
    assert [re.search(r"<td[^>]*>([^<]*)</td>", r).group(1) for r in rows] == [
        "+10:00:00", "+10:05:00", "+10:10:00", "+10:30:00", "+10:40:00"
    ]
    assert "+10:40:20" in section(doc, "Tech issues")
    assert "time since the recording began" in section(doc, "Messages per minute")
    course = export_html(copy, course="ml", privacy=NAMED)
    assert "+10:00 (3)" in section(course, "Sessions")
    assert "+10:40" in section(course, "Unanswered questions")
