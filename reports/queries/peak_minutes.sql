-- title: Peak minutes of a session
-- description: The minutes where the chat burst well above the session's own level, with
--     their message, question and tech-trouble counts and the questions asked in them.
--     Turn peaks_only off to see the busiest minutes whether or not they count as peaks.
-- param: session (varchar, required) the session id, e.g. dl101/2024-03-14_lecture
-- param: peaks_only (boolean, default true) only minutes that pass the peak rule
-- param: limit (integer, default 10, 1..1440) at most this many minutes

-- The peak rule lives in the session_minutes mart: at least the dbt var peak_min_messages
-- messages and at least the session's mean + peak_sd standard deviations per minute (silent
-- minutes count as 0; both vars in dbt_project/dbt_project.yml).
-- `question` holds the minute's questions in chat order, one per line.
with params as (

    select
        $session::varchar as session,
        $peaks_only::boolean as peaks_only,
        $limit::integer as max_rows,

),

minutes as (

    select session_minutes.*,
    from session_minutes, params
    where session_minutes.session_id = params.session
        and session_minutes.n_messages > 0
        and (session_minutes.is_peak or not params.peaks_only)

),

questions as (

    select
        minute_at,
        string_agg(body, chr(10) order by seq) as question,
    from messages, params
    where messages.session_id = params.session
        and messages.is_question
    group by minute_at

)

select
    row_number() over (order by minutes.n_messages desc, minutes.minute_at) as rank,
    strftime(minutes.minute_at, '%H:%M') as minute,
    minutes.minute_at,
    minutes.n_messages,
    minutes.n_senders,
    minutes.n_questions,
    minutes.n_tech_issues,
    minutes.is_peak,
    questions.question,
from minutes
left join questions using (minute_at)
order by rank
limit (select greatest(max_rows, 0) from params)
