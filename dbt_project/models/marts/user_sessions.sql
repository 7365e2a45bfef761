-- One row per person per session they posted in, or attended by an attendance report (a chat session's
-- report; docs/attendance.md). role_rank is the rank of role in the one
-- precedence between roles (macro role_rank: 1 instructor, 2 ta, 3 student, 4 unknown): a
-- person's role over several sessions is the role of their lowest rank (min_by(role, role_rank)),
-- so readers (the report, the export) never repeat the order. Without attendance reports
-- minutes_present and share_present are null and is_silent_attendee false.
with messages as (

    select * from {{ ref('messages') }}
    where message_kind != 'system'
    {{ only_new_sessions(keyword='and') }}

),

attended as (

    select {{ all_columns_but('landed_at', 'attendance') }}, files.landed_at  -- the chat export's landing time
    from {{ ref('attendance') }} as attendance
    inner join {{ ref('stg_lake__files') }} as files
        on attendance.session_id = files.session_id
        and files.status = 'landed'

),

attendance as (

    select * from attended
    {{ only_new_sessions() }}

),

posted as (

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
        max(landed_at) as landed_at
    from messages
    group by user_id, session_id

),

final as (

    select
        coalesce(posted.user_id, attendance.user_id) as user_id,
        coalesce(posted.session_id, attendance.session_id) as session_id,
        coalesce(posted.course_id, attendance.course_id) as course_id,
        coalesce(posted.display_name, attendance.display_name) as display_name,
        coalesce(posted.role, attendance.role) as role,
        coalesce(posted.role_rank, {{ role_rank('attendance.role') }}) as role_rank,
        coalesce(posted.n_messages, 0) as n_messages,
        coalesce(posted.n_questions, 0) as n_questions,
        coalesce(posted.n_answers, 0) as n_answers,
        coalesce(posted.n_tech_issues, 0) as n_tech_issues,
        posted.first_message_at,
        posted.last_message_at,
        coalesce(posted.landed_at, attendance.landed_at) as landed_at,
        attendance.minutes_present,
        attendance.share_present,
        coalesce(attendance.is_silent_attendee, false) as is_silent_attendee
    from posted
    full outer join attendance
        on posted.user_id = attendance.user_id
        and posted.session_id = attendance.session_id

)

select * from final
