with files as (

    select * from {{ ref('stg_lake__files') }}
    where status = 'landed'

),

messages as (

    select * from {{ ref('int_messages_classified') }}

),

per_session as (

    select
        session_id,
        min(sent_at) as started_at,
        max(sent_at) as ended_at,
        count(*) as n_messages,
        count(distinct user_id) as n_participants,
        count(*) filter (where is_question) as n_questions,
        count(*) filter (where is_private) as n_private_messages,
        count(*) filter (where message_kind = 'reply') as n_replies,
        count(*) filter (where message_kind = 'reaction') as n_reaction_messages,
        sum(n_collected_reactions) as n_collected_reactions,
    from messages
    group by session_id

),

final as (

    select
        files.session_id,
        files.course_id,
        cast(per_session.started_at as date) as session_date,
        files.title,
        files.layout as source_format,
        per_session.started_at,
        per_session.ended_at,
        date_diff('second', per_session.started_at, per_session.ended_at) / 60.0 as duration_minutes,
        per_session.n_messages,
        per_session.n_participants,
        per_session.n_questions,
        per_session.n_private_messages,
        per_session.n_replies,
        per_session.n_reaction_messages,
        per_session.n_collected_reactions,
        files.timezone,
        files.instructor,
        files.source_file,
        files.encoding as source_encoding,
    from files
    inner join per_session
        on files.session_id = per_session.session_id

)

select * from final
