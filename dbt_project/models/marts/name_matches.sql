-- One row per name of the attendance reports (participant as written, with its e-mail) per course:
-- the person it was matched to and why (classchat/people.py; docs/attendance.md, "Matching names").
-- is_claimed false: no person scored at least the threshold (or two were too close); the name is a
-- person of its own, matched_name and match_score show the best candidate for staff to resolve with
-- `aliases` in raw/roster.csv.
with people as (

    select * from {{ ref('int_attendance_people') }}

),

seen as (

    select course_id, participant, email, count(distinct session_id) as n_sessions
    from {{ ref('stg_lake__attendance') }}
    group by all

)

select
    people.course_id,
    people.participant,
    people.display_name,
    people.original_name,
    people.email,
    coalesce(
        people.matched_user_id, left(md5(people.course_id || ':' || {{ name_key('people.display_name') }}), 16)
    ) as user_id,
    people.is_claimed,
    people.match_rule,
    people.match_score,
    people.runner_up_score,
    people.matched_name,
    people.match_source,
    coalesce(seen.n_sessions, 0) as n_sessions,
    people.landed_at
from people
left join seen
    on people.course_id = seen.course_id
    and people.participant = seen.participant
    and people.email is not distinct from seen.email
