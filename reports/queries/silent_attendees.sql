-- title: Present but silent
-- description: People the attendance reports show present for at least half of a session who
--     never wrote in its chat (staff excluded), with how often that happened in the course: the
--     students who may need a word. Most silent sessions first.
-- param: course (varchar, required) the course id, e.g. dl101
-- param: min_sessions (integer, default 1) list people silent in at least this many sessions

-- is_silent_attendee is the warehouse's rule (mart attendance; docs/attendance.md): share of the
-- session present >= dbt var silent_attendee_min_share (0.5), no message, role not instructor/ta.
-- is_claimed false: the name matched no roster or chat person (see name_matches) and may be a
-- second name of someone listed here or elsewhere.
with params as (

    select $course::varchar as course, $min_sessions::integer as min_sessions

),

course as (

    select attendance.*
    from attendance, params
    where attendance.course_id = params.course

),

per_person as (

    select
        user_id,
        min(display_name) as display_name,
        min(role) as role,
        count(*) as n_sessions_attended,
        count(*) filter (where is_silent_attendee) as n_silent_sessions,
        count(*) filter (where wrote_in_chat) as n_sessions_written,
        round(avg(share_present), 3) as mean_share_present,
        max(session_id) filter (where is_silent_attendee) as last_silent_session,
        bool_and(is_claimed) as is_claimed,
    from course
    group by user_id

)

select per_person.*
from per_person, params
where n_silent_sessions >= greatest(params.min_sessions, 1)
order by n_silent_sessions desc, mean_share_present desc, display_name, user_id
