-- One row per person per session of an attendance report (docs/attendance.md, docs/contract.md).
-- A participant is a person by int_attendance_people (classchat/people.py): matched to the roster or
-- the chat, else (unclaimed) a person of their own in the course, md5 of course and name_key as a
-- chat-only name would be. Minutes present: the length of the union of the person's join-leave
-- intervals (a rejoin adds its time, two devices at once count once), waiting-room rows left out.
-- The session's length: the meeting block's Start Time to End Time when a report of the session
-- gives both, else its first join to its last leave. share_present = minutes present / that length
-- (at most 1). is_silent_attendee: present for at least var('silent_attendee_min_share') of the
-- session, not a message in it, and not staff (instructor or TA).
with rows as (

    select * from {{ ref('stg_lake__attendance') }}

),

people as (

    select * from {{ ref('int_attendance_people') }}

),

roster_roles as (

    select left(md5('key:' || user_key), 16) as user_id, any_value(role) as role
    from {{ ref('stg_lake__roster') }}
    group by user_key

),

chat as (

    select
        session_id,
        user_id,
        count(*) as n_messages,
        {{ highest_role('role') }} as role
    from {{ ref('messages') }}
    where message_kind != 'system'
    group by session_id, user_id

),

identified as (

    select
        rows.*,
        coalesce(
            people.matched_user_id, left(md5(rows.course_id || ':' || {{ name_key('rows.display_name') }}), 16)
        ) as user_id,
        people.is_claimed,
        people.match_rule,
        people.match_score
    from rows
    left join people
        on rows.course_id = people.course_id
        and rows.participant = people.participant
        and rows.email is not distinct from people.email

),

session_span as (

    select
        session_id,
        coalesce(min(meeting_start) filter (where meeting_end is not null), min(join_at)) as session_start,
        coalesce(max(meeting_end), max(leave_at)) as session_end
    from identified
    where not in_waiting_room
    group by session_id

),

ordered as (

    select
        *,
        max(leave_at) over (
            partition by session_id, user_id order by join_at, leave_at, line_no
            rows between unbounded preceding and 1 preceding
        ) as previous_leave
    from identified
    where not in_waiting_room

),

islands as (

    select
        *,
        sum(case when previous_leave is null or join_at > previous_leave then 1 else 0 end) over (
            partition by session_id, user_id order by join_at, leave_at, line_no rows unbounded preceding
        ) as island
    from ordered

),

present as (

    select session_id, user_id, sum(seconds) / 60 as minutes_present
    from (
        select session_id, user_id, island, {{ seconds_between('min(join_at)', 'max(leave_at)') }} as seconds
        from islands
        group by session_id, user_id, island
    ) as per_island
    group by session_id, user_id

),

per_person as (

    select
        session_id,
        user_id,
        any_value(course_id) as course_id,
        min(display_name) as display_name,
        array_sort(array_distinct({{ list_agg('participant') }})) as report_names,
        min(email) as email,
        bool_or(coalesce(is_guest, false)) as is_guest,
        min(join_at) filter (where not in_waiting_room) as first_join_at,
        max(leave_at) filter (where not in_waiting_room) as last_leave_at,
        count(*) filter (where not in_waiting_room) as n_joins,
        count(*) filter (where in_waiting_room) as n_waiting_room_rows,
        bool_and(coalesce(is_claimed, false)) as is_claimed,
        min(match_score) as match_score,
        max(landed_at) as landed_at
    from identified
    group by session_id, user_id

),

final as (

    select
        per_person.session_id,
        per_person.course_id,
        per_person.user_id,
        per_person.display_name,
        per_person.report_names,
        per_person.email,
        coalesce(chat.role, roster_roles.role, 'unknown') as role,
        per_person.is_guest,
        per_person.first_join_at,
        per_person.last_leave_at,
        round(coalesce(present.minutes_present, 0), 2) as minutes_present,
        round({{ seconds_between('session_span.session_start', 'session_span.session_end') }} / 60, 2)
            as session_minutes,
        round(least(1, coalesce(present.minutes_present, 0)
            / nullif({{ seconds_between('session_span.session_start', 'session_span.session_end') }} / 60, 0)), 4)
            as share_present,
        cast(per_person.n_joins as integer) as n_joins,
        cast(greatest(per_person.n_joins - 1, 0) as integer) as n_rejoins,
        cast(per_person.n_waiting_room_rows as integer) as n_waiting_room_rows,
        coalesce(chat.n_messages, 0) as n_messages,
        coalesce(chat.n_messages, 0) > 0 as wrote_in_chat,
        per_person.is_claimed,
        per_person.match_score,
        per_person.landed_at
    from per_person
    left join present
        on per_person.session_id = present.session_id and per_person.user_id = present.user_id
    left join session_span on per_person.session_id = session_span.session_id
    left join chat on per_person.session_id = chat.session_id and per_person.user_id = chat.user_id
    left join roster_roles on per_person.user_id = roster_roles.user_id

)

select
    *,
    coalesce(
        share_present >= {{ var('silent_attendee_min_share') }}
        and n_messages = 0
        and role not in ('instructor', 'ta'),
        false
    ) as is_silent_attendee
from final
