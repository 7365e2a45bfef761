-- One row per person per session they posted in. role_rank is the rank of role in the one
-- precedence between roles (macro role_rank: 1 instructor, 2 ta, 3 student, 4 unknown): a
-- person's role over several sessions is the role of their lowest rank (arg_min(role, role_rank)),
-- so readers (the report, the export) never repeat the order.
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
        {{ highest_role('role') }} as role,
        min({{ role_rank('role') }}) as role_rank,
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
