-- title: Sessions of a course
-- description: Every session of a course with its key figures, in date order: messages,
--     people, questions and how many stayed unanswered, median response, busiest minute,
--     how unequal participation was, tech trouble. The term on one page.
-- param: course (varchar, required) the course id, e.g. dl101

with params as (

    select $course::varchar as course

)

select
    sessions.session_date,
    sessions.session_id,
    sessions.title,
    sessions.instructor,
    sessions.source_format,
    strftime(sessions.started_at, '%H:%M') as started,
    round(sessions.duration_minutes, 1) as duration_minutes,
    sessions.n_messages,
    sessions.n_participants,
    sessions.n_questions,
    sessions.n_unanswered_questions,
    sessions.median_response_seconds,
    strftime(sessions.peak_minute_at, '%H:%M') as peak_minute,
    sessions.peak_minute_messages,
    round(sessions.participation_gini, 4) as participation_gini,
    round(sessions.top10_share, 4) as top10_share,
    sessions.n_tech_issues,
    sessions.n_links,
from sessions, params
where sessions.course_id = params.course
order by sessions.session_date, sessions.started_at, sessions.session_id
