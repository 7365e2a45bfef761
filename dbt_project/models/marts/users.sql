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
        max(landed_at) as landed_at,
    from messages
    group by user_id

),

roster_keys as (

    select
        left(md5('key:' || user_key), 16) as user_id,
        any_value(user_key) as user_key,
    from roster
    group by user_key

),

final as (

    select
        per_user.user_id,
        roster_keys.user_key,
        per_user.course_id,
        per_user.display_name,
        per_user.role,
        per_user.n_courses,
        per_user.n_sessions,
        per_user.n_messages,
        per_user.n_questions,
        per_user.n_answers,
        per_user.first_seen_at,
        per_user.last_seen_at,
        per_user.landed_at,
    from per_user
    left join roster_keys on per_user.user_id = roster_keys.user_id

)

select * from final
