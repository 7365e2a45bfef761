-- One row per class session. Participation figures count people who posted at least
-- once (system messages excluded); inequality is over their message counts:
-- participation_gini is the Gini coefficient (0 everyone equal, near 1 one person
-- talks), top10_share the share of messages by the most active tenth (at least one person).
with files as (

    select * from {{ ref('stg_lake__files') }}
    where status = 'landed'
    {{ only_new_sessions(keyword='and') }}

),

messages as (

    select * from {{ ref('messages') }}
    {{ only_new_sessions() }}

),

minutes as (

    select
        *,
        max(n_messages) over (partition by session_id) as session_peak_messages
    from {{ ref('session_minutes') }}
    {{ only_new_sessions() }}

),

per_session as (

    select
        session_id,
        min(sent_at) as started_at,
        max(sent_at) as ended_at,
        count(*) as n_messages,
        count(distinct user_id) filter (where message_kind != 'system') as n_participants,
        count(*) filter (where is_question) as n_questions,
        count(*) filter (where is_question and is_unanswered) as n_unanswered_questions,
        median(response_seconds) as median_response_seconds,
        count(*) filter (where intent = 'tech_issue') as n_tech_issues,
        count(*) filter (where has_link) as n_links,
        count(*) filter (where is_private) as n_private_messages,
        count(*) filter (where message_kind = 'reply') as n_replies,
        count(*) filter (where message_kind = 'reaction') as n_reaction_messages,
        cast(sum(n_collected_reactions) as bigint) as n_collected_reactions
    from messages
    group by session_id

),

gaps as (

    select
        session_id,
        max(gap_seconds) / 60 as longest_silence_minutes
    from (
        select
            session_id,
            {{ seconds_between('lag(sent_at) over (partition by session_id order by seq)', 'sent_at') }} as gap_seconds
        from messages
    ) as message_gaps
    group by session_id

),

peaks as (

    select
        session_id,
        min(minute_at) filter (where n_messages = session_peak_messages) as peak_minute_at,  -- the earliest of equals
        max(n_messages) as peak_minute_messages,
        count(*) filter (where is_peak) as n_peak_minutes
    from minutes
    group by session_id

),

per_person as (

    select
        session_id,
        user_id,
        count(*) as n_messages
    from messages
    where message_kind != 'system'
    group by session_id, user_id

),

inequality as (

    {{ participation_inequality('per_person', 'session_id') }}

),

-- attendance reports of the session (docs/attendance.md): null figures when it has none
attended as (

    select
        session_id,
        count(*) as n_attendees,
        count(*) filter (where is_silent_attendee) as n_silent_attendees,
        count(*) filter (where wrote_in_chat) as n_attendees_who_wrote
    from {{ ref('attendance') }}
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
        {{ seconds_between('per_session.started_at', 'per_session.ended_at') }} / 60 as duration_minutes,
        per_session.n_messages,
        per_session.n_participants,
        per_session.n_questions,
        per_session.n_unanswered_questions,
        {{ answered_share('per_session.n_questions', 'per_session.n_unanswered_questions') }} as answered_share,
        per_session.median_response_seconds,
        peaks.peak_minute_at,
        peaks.peak_minute_messages,
        peaks.n_peak_minutes,
        coalesce(gaps.longest_silence_minutes, 0) as longest_silence_minutes,
        coalesce(inequality.participation_gini, 0) as participation_gini,
        coalesce(inequality.top10_share, 0) as top10_share,
        per_session.n_tech_issues,
        per_session.n_links,
        per_session.n_private_messages,
        per_session.n_replies,
        per_session.n_reaction_messages,
        per_session.n_collected_reactions,
        files.timezone,
        files.instructor,
        files.source_file,
        files.encoding as source_encoding,
        coalesce(files.time_basis, 'clock') as time_basis,
        files.landed_at,
        attended.n_attendees,
        attended.n_silent_attendees,
        attended.n_attendees_who_wrote,
        attended.n_attendees_who_wrote / nullif(attended.n_attendees, 0) as participation_rate
    from files
    inner join per_session on files.session_id = per_session.session_id
    left join attended on files.session_id = attended.session_id
    left join gaps on files.session_id = gaps.session_id
    left join peaks on files.session_id = peaks.session_id
    left join inequality on files.session_id = inequality.session_id

)

select * from final
