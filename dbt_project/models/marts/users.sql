-- Without a roster a display name identifies a person only within its course,
-- so one row here is one (course, normalised name); role is unknown.
with messages as (

    select * from {{ ref('int_messages_classified') }}

),

per_user as (

    select
        user_id,
        any_value(course_id) as course_id,
        min(sender_name) as display_name,
        count(distinct course_id) as n_courses,
        count(distinct session_id) as n_sessions,
        count(*) as n_messages,
        count(*) filter (where is_question) as n_questions,
        min(sent_at) as first_seen_at,
        max(sent_at) as last_seen_at,
    from messages
    group by user_id

),

final as (

    select
        user_id,
        course_id,
        display_name,
        'unknown' as role,
        n_courses,
        n_sessions,
        n_messages,
        n_questions,
        first_seen_at,
        last_seen_at,
    from per_user

)

select * from final
