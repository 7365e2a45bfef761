"""The analytics marts on a hand-made course whose right answers are worked out by hand.

tests/fixtures/analytics holds two courses (ml, stats) and a roster that
makes Ann one person across both. Each figure below is derived in the
comment beside it from the fixture's 17 lines; the warehouse is built once
with the real ingest and dbt build.
"""

from __future__ import annotations


import duckdb
import pytest
from helpers import analytics_copy

from classchat.config import Paths

ML = "ml/2024-06-03_week1"


@pytest.fixture(scope="session")
def wh(analytics_built, tmp_path_factory) -> Paths:
    return analytics_copy(analytics_built, tmp_path_factory, "analytics")


def q(paths: Paths, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_every_message_has_its_intent(wh):
    rows = q(wh, "select strftime(sent_at, '%H:%M:%S'), intent from messages where session_id = ? order by seq", [ML])
    assert rows == [
        ("10:00:00", "question"),  # 大家好，能听到吗？
        ("10:00:05", "roll_call"),  # 1
        ("10:00:06", "roll_call"),  # 有
        ("10:05:00", "question"),  # 什么是梯度消失？
        ("10:05:40", "acknowledgement"),  # 谢谢
        ("10:06:10", "answer"),  # the instructor, 70 s later
        ("10:10:00", "question"),  # how do we pick the learning rate?
        ("10:10:30", "other"),  # 哈哈: laughter answers nothing
        ("10:20:00", "answer"),  # @Cy ..., 10 minutes later
        ("10:30:00", "question"),  # 为什么 relu 不会梯度消失
        ("10:40:00", "question"),  # ... asked again
        ("10:40:20", "tech_issue"),  # 听不到了
        ("10:41:00", "continue_request"),  # 继续
        ("10:45:00", "link"),
    ]


def test_questions_answers_and_response_times(wh):
    rows = q(
        wh,
        """select strftime(sent_at, '%H:%M:%S'), is_unanswered, is_repeated_question, answer_rule,
                  answer_source, response_seconds
           from messages where session_id = ? and is_question order by seq""",
        [ML],
    )
    assert rows == [
        ("10:00:00", True, False, None, None, None),  # only roll-call replies follow
        ("10:05:00", False, False, "evidence", "instructor", 70),  # thanks is no answer; next message, staff
        ("10:10:00", False, False, "mention", "instructor", 600),  # @asker, 10 minutes later
        ("10:30:00", True, True, None, None, None),  # asked again by the same person before any answer
        ("10:40:00", True, False, None, None, None),  # only tech trouble, "go on" and a link follow
    ]
    evidence = q(
        wh,
        "select answer_evidence from messages where session_id = ? and is_question and not is_unanswered order by seq",
        [ML],
    )
    assert [sorted(e) for (e,) in evidence] == [
        ["next_message", "shared_terms", "staff"],  # 梯度; 在 inside a statement is no place (docs/answers.md)
        ["addresses_asker", "late", "next_message", "staff"],  # 哈哈 between is no substantive message
    ]
    answers = q(wh, "select count(*) from messages where answers_message_id is not null and session_id = ?", [ML])
    assert answers == [(2,)]


def test_session_figures(wh):
    row = q(
        wh,
        """select n_messages, n_participants, n_questions, n_unanswered_questions, median_response_seconds,
                  strftime(peak_minute_at, '%H:%M'), peak_minute_messages, n_peak_minutes,
                  longest_silence_minutes, round(participation_gini, 4), round(top10_share, 4),
                  n_tech_issues, n_links
           from sessions where session_id = ?""",
        [ML],
    )[0]
    # participants Prof Li 3, Ann 5, Bo 4 ("Bo (Laptop)" is Bo), Cy 1, Dan 1; sorted 1,1,3,4,5:
    # gini = 2*(1+2+9+16+25)/(5*14) - 6/5 = 0.3143; top tenth = 1 person = 5/14
    assert row == (14, 5, 5, 3, 335.0, "10:00", 3, 1, 10.0, 0.3143, 0.3571, 1, 1)


def test_session_minutes_cover_every_minute_and_mark_the_burst(wh):
    rows = q(
        wh,
        """select count(*), sum(n_messages), count(*) filter (where n_messages = 0),
                  list(strftime(minute_at, '%H:%M')) filter (where is_peak)
           from session_minutes where session_id = ?""",
        [ML],
    )
    # 10:00 .. 10:45 is 46 minutes, 9 with messages; mean 0.30, sd 0.69: only 10:00 (3 messages) is a peak
    assert rows == [(46, 14, 37, ["10:00"])]


def test_roster_makes_one_person_across_courses_and_gives_roles(wh):
    rows = q(wh, "select display_name, user_key, role, n_courses, n_sessions, n_messages from users order by display_name")
    assert rows == [
        ("Ann", "u2", "student", 2, 2, 7),  # 5 in ml, 2 in stats ("ann" and "Ann")
        ("Bo", "u3", "student", 1, 1, 4),
        ("Cy", None, "unknown", 1, 1, 1),
        ("Dan", None, "unknown", 1, 1, 1),
        ("Eve", None, "unknown", 1, 1, 1),
        ("Prof Li", "u1", "instructor", 1, 1, 3),
    ]
    ann = q(wh, "select n_questions, n_answers from users where user_key = 'u2'")
    assert ann == [(1, 1)]  # asked about 梯度消失; answered Eve's exam question in stats (peer)


def test_user_sessions_and_courses(wh):
    per = q(
        wh,
        """select s.course_id, us.n_messages, us.n_questions, us.n_answers
           from user_sessions as us join users as u using (user_id) join sessions as s using (session_id)
           where u.user_key = 'u2' order by s.course_id""",
    )
    assert per == [("ml", 5, 1, 0), ("stats", 2, 0, 1)]
    courses = q(
        wh,
        "select course_id, n_sessions, n_participants, n_questions, answered_share, median_response_seconds "
        "from courses order by course_id",
    )
    assert courses == [("ml", 1, 5, 5, 0.4, 335.0), ("stats", 1, 2, 1, 1.0, 30.0)]


def test_question_topics(wh):
    rows = q(wh, "select rank, term, n_questions from question_topics where session_id = ? order by rank", [ML])
    # fewer than five questions would keep single mentions; with five, a term needs two questions
    assert rows == [(1, "梯度消失", 3), (2, "relu", 2)]
