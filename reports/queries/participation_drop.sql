-- title: Students whose participation dropped
-- description: Students who wrote clearly less in the course's most recent sessions than in
--     its earlier ones, or went silent: messages per session (sessions they missed count as
--     zero) in the last sessions against the earlier ones, biggest drop first.
-- param: course (varchar, required) the course id, e.g. dl101
-- param: last_sessions (integer, default 2, 1..) how many of the latest sessions are "recent"
-- param: min_drop (double, default 0.5, 0..1) the smallest drop to list, as a share of the earlier
--     rate: 0.5 = at most half as many messages per session

-- Who is a student: anyone the roster, sessions.csv or the export does not mark as
-- instructor or TA in any session of the course. Identity caveat: without raw/roster.csv a
-- person is their display name within the course, so someone who renamed themselves shows
-- up as one student going silent and another one appearing. People who first posted in
-- the recent sessions have nothing to drop from and are not listed.
with params as (

    select
        $course::varchar as course,
        greatest($last_sessions::integer, 1) as last_sessions,
        $min_drop::double as min_drop,

),

course_sessions as (

    select
        session_id,
        session_date,
        row_number() over (order by session_date desc, started_at desc, session_id desc) as recency,
    from sessions, params
    where sessions.course_id = params.course

),

windows as (

    select
        course_sessions.session_id,
        course_sessions.recency <= params.last_sessions as is_recent,
    from course_sessions, params

),

window_sizes as (

    select
        count(*) filter (where is_recent) as n_recent,
        count(*) filter (where not is_recent) as n_earlier,
    from windows

),

staff as (

    select distinct user_id
    from user_sessions, params
    where user_sessions.course_id = params.course
        and user_sessions.role in ('instructor', 'ta')

),

per_person as (

    select
        user_sessions.user_id,
        min(user_sessions.display_name) as display_name,
        count(*) filter (where not windows.is_recent) as earlier_sessions_attended,
        count(*) filter (where windows.is_recent) as recent_sessions_attended,
        coalesce(sum(user_sessions.n_messages) filter (where not windows.is_recent), 0) as earlier_messages,
        coalesce(sum(user_sessions.n_messages) filter (where windows.is_recent), 0) as recent_messages,
        max(user_sessions.last_message_at) as last_message_at,
    from user_sessions
    join windows using (session_id)
    where user_sessions.user_id not in (select user_id from staff)
    group by user_sessions.user_id

),

rates as (

    select
        per_person.*,
        per_person.earlier_messages / window_sizes.n_earlier as earlier_per_session,
        per_person.recent_messages / window_sizes.n_recent as recent_per_session,
    from per_person, window_sizes
    where window_sizes.n_earlier > 0
        and per_person.earlier_messages > 0

)

select
    rates.display_name,
    rates.earlier_sessions_attended,
    rates.recent_sessions_attended,
    round(rates.earlier_per_session, 2) as earlier_messages_per_session,
    round(rates.recent_per_session, 2) as recent_messages_per_session,
    round(1 - rates.recent_per_session / rates.earlier_per_session, 4) as drop_share,
    rates.recent_messages = 0 as went_silent,
    rates.last_message_at,
    rates.user_id,
from rates, params
where 1 - rates.recent_per_session / rates.earlier_per_session >= params.min_drop - 1e-9
order by drop_share desc, rates.earlier_per_session desc, rates.display_name, rates.user_id
