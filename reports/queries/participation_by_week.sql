-- title: Participation by course and week
-- description: For each course and ISO week: how many sessions ran, how many people posted,
--     how much each of them wrote on average, and how many questions were asked (and left
--     unanswered). The trend of a term at a glance; compare weeks, not absolute sizes.
-- param: course (varchar, optional) a course id, e.g. dl101; leave empty for every course

-- Participants are people who posted at least once (system messages excluded). A person
-- counts once per week however many of that week's sessions they posted in.
with params as (

    select $course::varchar as course

),

sessions as (

    select
        sessions.*,
        strftime(sessions.session_date, '%G-W%V') as iso_week,
        cast(date_trunc('week', sessions.session_date) as date) as week_start,
    from sessions, params
    where params.course is null or sessions.course_id = params.course

),

people as (

    select
        sessions.course_id,
        sessions.iso_week,
        count(distinct user_sessions.user_id) as n_participants,
        sum(user_sessions.n_messages) as n_messages,
    from user_sessions
    join sessions using (session_id)
    group by sessions.course_id, sessions.iso_week

),

per_week as (

    select
        course_id,
        iso_week,
        min(week_start) as week_start,
        count(*) as n_sessions,
        sum(n_questions) as n_questions,
        sum(n_unanswered_questions) as n_unanswered_questions,
    from sessions
    group by course_id, iso_week

)

select
    per_week.course_id,
    per_week.iso_week,
    per_week.week_start,
    per_week.n_sessions,
    coalesce(people.n_participants, 0) as n_participants,
    coalesce(people.n_messages, 0) as n_messages,
    round(people.n_messages / nullif(people.n_participants, 0), 2) as messages_per_participant,
    per_week.n_questions,
    per_week.n_unanswered_questions,
    round(per_week.n_questions / per_week.n_sessions, 2) as questions_per_session,
from per_week
left join people using (course_id, iso_week)
order by per_week.course_id, per_week.week_start, per_week.iso_week
