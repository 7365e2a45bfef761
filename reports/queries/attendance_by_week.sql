-- title: Attendance by course and week
-- description: For each course and ISO week, from the attendance reports (Zoom participants
--     CSVs): sessions with a report, attendees, the mean share of a session they were present,
--     how many wrote in the chat, how many were present but silent, and the chat participation
--     rate (attendees who wrote / attendees). Weeks without a report are not listed.
-- param: course (varchar, optional) a course id, e.g. dl101; leave empty for every course

-- The rules are the warehouse's (docs/attendance.md): minutes present are the union of a
-- person's join-leave intervals without the waiting room; a silent attendee was present for at
-- least the dbt var silent_attendee_min_share (0.5) of the session, wrote nothing and is not staff.
-- A person counts once per session, and per week in n_people.
with params as (

    select $course::varchar as course

),

attended as (

    select
        attendance.*,
        coalesce(sessions.session_date, cast(attendance.first_join_at as date)) as session_date,
    from attendance
    left join sessions using (session_id)
    cross join params
    where params.course is null or attendance.course_id = params.course

)

select
    course_id,
    strftime(session_date, '%G-W%V') as iso_week,
    cast(min(date_trunc('week', session_date)) as date) as week_start,
    count(distinct session_id) as n_sessions_with_report,
    count(*) as n_attendances,
    count(distinct user_id) as n_people,
    round(avg(share_present), 3) as mean_share_present,
    round(sum(minutes_present), 1) as minutes_present,
    count(*) filter (where wrote_in_chat) as n_attendances_who_wrote,
    count(*) filter (where is_silent_attendee) as n_silent_attendances,
    round(count(*) filter (where wrote_in_chat) / count(*), 3) as participation_rate,
from attended
group by course_id, iso_week
order by course_id, week_start, iso_week
