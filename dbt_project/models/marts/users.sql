-- One row per person. With a roster a person is a user_key across courses; without
-- one, a normalised display name within one course (a "Lee" in two courses is two
-- people). Role: the highest any session gives them, by the one precedence (macro role_rank in
-- macros/chat_rules.sql: instructor > ta > student > unknown).
with messages as (

    select * from {{ ref('messages') }}

),

roster as (

    select * from {{ ref('stg_lake__roster') }}

),

per_user as (

    select
        user_id,
        min(course_id) as course_id,
        min(sender_name) as display_name,
        {{ highest_role('role') }} as role,
        count(distinct course_id) as n_courses,
        count(distinct session_id) as n_sessions,
        count(*) as n_messages,
        count(*) filter (where is_question) as n_questions,
        count(*) filter (where answers_message_id is not null) as n_answers,
        min(sent_at) as first_seen_at,
        max(sent_at) as last_seen_at,
        max(landed_at) as landed_at
    from messages
    group by user_id

),

-- people of the attendance reports (docs/attendance.md), those who never wrote included: a term record
attendees as (

    select
        user_id,
        min(course_id) as course_id,
        min(display_name) as display_name,
        {{ highest_role('role') }} as role,
        count(distinct course_id) as n_courses,
        count(distinct session_id) as n_sessions_attended,
        sum(minutes_present) as minutes_present,
        min(first_join_at) as first_join_at,
        max(last_leave_at) as last_leave_at,
        max(landed_at) as landed_at
    from {{ ref('attendance') }}
    group by user_id

),

roster_keys as (

    select
        left(md5('key:' || user_key), 16) as user_id,
        any_value(user_key) as user_key
    from roster
    group by user_key

),

final as (

    select
        coalesce(per_user.user_id, attendees.user_id) as user_id,
        roster_keys.user_key,
        coalesce(per_user.course_id, attendees.course_id) as course_id,
        coalesce(per_user.display_name, attendees.display_name) as display_name,
        coalesce(per_user.role, attendees.role) as role,
        coalesce(per_user.n_courses, attendees.n_courses) as n_courses,
        coalesce(per_user.n_sessions, 0) as n_sessions,
        coalesce(per_user.n_messages, 0) as n_messages,
        coalesce(per_user.n_questions, 0) as n_questions,
        coalesce(per_user.n_answers, 0) as n_answers,
        coalesce(per_user.first_seen_at, attendees.first_join_at) as first_seen_at,
        coalesce(per_user.last_seen_at, attendees.last_leave_at) as last_seen_at,
        coalesce(per_user.landed_at, attendees.landed_at) as landed_at,
        attendees.n_sessions_attended,
        attendees.minutes_present
    from per_user
    full outer join attendees on per_user.user_id = attendees.user_id
    left join roster_keys on coalesce(per_user.user_id, attendees.user_id) = roster_keys.user_id

)

select * from final
