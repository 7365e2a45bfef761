-- One row per person per session they posted in.
with messages as (

    select * from {{ ref('messages') }}
    where message_kind != 'system'
    {{ only_new_sessions(keyword='and') }}

),

final as (

    select
        user_id,
        session_id,
        any_value(course_id) as course_id,
        min(sender_name) as display_name,
        min(role) as role,
        count(*) as n_messages,
        count(*) filter (where is_question) as n_questions,
        count(*) filter (where answers_message_id is not null) as n_answers,
        count(*) filter (where intent = 'tech_issue') as n_tech_issues,
        min(sent_at) as first_message_at,
        max(sent_at) as last_message_at,
        max(landed_at) as landed_at,
    from messages
    group by user_id, session_id

)

select * from final
