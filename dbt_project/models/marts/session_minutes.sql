-- One row per minute of each session, from its first to its last message, silent
-- minutes included. A minute is a peak when it has at least var('peak_min_messages')
-- messages and at least mean + var('peak_sd') standard deviations of the session's
-- per-minute counts (silent minutes count as 0): a burst well above the session's own level.
with messages as (

    select * from {{ ref('messages') }}
    where message_kind != 'system'
    {{ only_new_sessions(keyword='and') }}

),

sessions as (

    select
        session_id,
        course_id,
        max(landed_at) as landed_at,
        date_trunc('minute', min(sent_at)) as first_minute,
        date_trunc('minute', max(sent_at)) as last_minute
    from messages
    group by session_id, course_id

),

minutes as (

    select
        session_id,
        course_id,
        landed_at,
        {{ explode_list(minute_series('first_minute', 'last_minute')) }} as minute_at
    from sessions

),

per_minute as (

    select
        session_id,
        minute_at,
        count(*) as n_messages,
        count(*) filter (where is_question) as n_questions,
        count(*) filter (where intent = 'tech_issue') as n_tech_issues,
        count(distinct user_id) as n_senders
    from messages
    group by session_id, minute_at

),

filled as (

    select
        minutes.session_id,
        minutes.course_id,
        minutes.minute_at,
        minutes.landed_at,
        coalesce(per_minute.n_messages, 0) as n_messages,
        coalesce(per_minute.n_questions, 0) as n_questions,
        coalesce(per_minute.n_tech_issues, 0) as n_tech_issues,
        coalesce(per_minute.n_senders, 0) as n_senders
    from minutes
    left join per_minute
        on minutes.session_id = per_minute.session_id
        and minutes.minute_at = per_minute.minute_at

),

leveled as (

    select
        filled.*,
        avg(n_messages) over (partition by session_id) as session_mean,
        coalesce(stddev_pop(n_messages) over (partition by session_id), 0) as session_sd
    from filled

),

final as (

    select
        session_id,
        course_id,
        minute_at,
        n_messages,
        n_questions,
        n_tech_issues,
        n_senders,
        n_messages >= {{ var('peak_min_messages') }}
            and n_messages >= session_mean + {{ var('peak_sd') }} * session_sd as is_peak,
        landed_at
    from leveled

)

select * from final
