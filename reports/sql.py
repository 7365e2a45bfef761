"""SQL the report's pages and the HTML export share, so one figure is computed one way.

Owns the SQL more than one reader needs: the people of a course, as the
Course page and the course export list them, and a session's minutes, peaks
and question topics, as the Session page and the session export chart them
(`reports.figures`). (The answered share is a
column of the `sessions` and `courses` marts, defined once in dbt: macro
`answered_share` in dbt_project/macros/figures.sql.)
"""

from __future__ import annotations



# One row per person who wrote in a course (parameters: the course twice), most messages first:
# the role of their highest rank (user_sessions.role_rank, the warehouse's one precedence, macro
# role_rank), the sessions they wrote in and stayed silent in, their share of the course's messages.
# user_sessions also holds attendees who never wrote (attendance reports): they are not counted here.
COURSE_PEOPLE_SQL = """
with course_sessions as (
    select count(*) as n from sessions where course_id = ?
),
per_person as (
    select us.user_id,
           min(us.display_name) as display_name,
           arg_min(us.role, us.role_rank) as role,
           count(*) filter (where us.n_messages > 0) as sessions_posted,
           sum(us.n_messages)::bigint as n_messages,
           sum(us.n_questions)::bigint as n_questions,
           sum(us.n_answers)::bigint as n_answers,
           sum(us.n_tech_issues)::bigint as n_tech_issues,
           max(us.last_message_at) as last_message_at
    from user_sessions us
    where us.course_id = ? and us.role is distinct from 'system'
    group by us.user_id
    having sum(us.n_messages) > 0
)
select p.user_id, p.display_name, p.role, p.sessions_posted,
       (select n from course_sessions) - p.sessions_posted as sessions_silent,
       p.n_messages,
       p.n_messages / sum(p.n_messages) over () as message_share,
       p.n_questions, p.n_answers, p.n_tech_issues, p.last_message_at
from per_person p
order by p.n_messages desc, p.display_name, p.user_id
"""


# A session's minutes (parameter: the session), silent minutes included (session_minutes).
SESSION_MINUTES_SQL = """
select minute_at, strftime(minute_at, '%H:%M') as minute,
       n_messages, n_questions, n_tech_issues, n_senders, is_peak
from session_minutes
where session_id = ?
order by minute_at
"""

PEAK_CONTEXT_MINUTES = 2  # a peak shows the questions of its minute and of this many before it
# Each peak minute with what was being asked then (questions in it and the minutes before)
# and a few of the messages of the minute itself.
SESSION_PEAKS_SQL = f"""
select strftime(sm.minute_at, '%H:%M') as minute,
       sm.n_messages as messages, sm.n_questions as questions, sm.n_senders as people,
       (select string_agg(m.body, ' / ' order by m.seq)
          from messages m
         where m.session_id = sm.session_id and m.is_question
           and m.minute_at between sm.minute_at - interval {PEAK_CONTEXT_MINUTES} minute and sm.minute_at) as question,
       (select array_to_string(list(m.body order by m.seq)[1:5], ' / ')
          from messages m
         where m.session_id = sm.session_id and m.minute_at = sm.minute_at
           and not m.is_question and m.message_kind is distinct from 'system') as text
from session_minutes sm
where sm.session_id = ? and sm.is_peak
order by sm.minute_at
"""

SESSION_TOPICS_SQL = """
select rank, term, n_questions
from question_topics
where session_id = ?
order by rank
"""
