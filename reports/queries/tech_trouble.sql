-- title: Tech trouble by session
-- description: Sessions where people reported technical trouble (can't hear, frozen,
--     muted, 听不到, 卡了 ...): how many reports from how many people, and the stretches of
--     minutes they cluster in, newest session first. Sessions without trouble are left out.
-- param: course (varchar, optional) a course id; leave empty for every course
-- param: gap_minutes (integer, default 2, 0..240) reports further apart than this start a new cluster

-- A cluster is a run of tech_issue messages each within gap_minutes of the one before;
-- `clusters` lists them as "10:40-10:42 (3)", earliest first. `message` is the first report.
with params as (

    select $course::varchar as course, greatest($gap_minutes::integer, 0) as gap_minutes

),

reports as (

    select
        messages.session_id,
        messages.course_id,
        messages.user_id,
        messages.sent_at,
        messages.seq,
        messages.body,
    from messages, params
    where messages.intent = 'tech_issue'
        and (params.course is null or messages.course_id = params.course)

),

marked as (

    select
        reports.*,
        coalesce(
            date_diff('second', lag(sent_at) over (partition by session_id order by seq), sent_at)
                > params.gap_minutes * 60,
            true
        ) as starts_cluster,
    from reports, params

),

numbered as (

    select
        marked.*,
        sum(case when starts_cluster then 1 else 0 end) over (
            partition by session_id order by seq rows unbounded preceding
        ) as cluster_no,
    from marked

),

clusters as (

    select
        session_id,
        cluster_no,
        min(sent_at) as from_at,
        max(sent_at) as to_at,
        count(*) as n_reports,
    from numbered
    group by session_id, cluster_no

),

cluster_labels as (

    select
        session_id,
        count(*) as n_clusters,
        string_agg(
            strftime(from_at, '%H:%M')
            || case
                when date_trunc('minute', to_at) > date_trunc('minute', from_at)
                    then '-' || strftime(to_at, '%H:%M')
                else ''
            end
            || ' (' || n_reports || ')',
            ', ' order by cluster_no
        ) as clusters,
        arg_max(strftime(from_at, '%H:%M'), (n_reports, -cluster_no)) as worst_minute,
    from clusters
    group by session_id

),

per_session as (

    select
        session_id,
        count(*) as n_reports,
        count(distinct user_id) as n_reporters,
        arg_min(body, seq) as message,
    from reports
    group by session_id

)

select
    sessions.session_date,
    sessions.session_id,
    sessions.course_id,
    sessions.title,
    per_session.n_reports,
    per_session.n_reporters,
    round(per_session.n_reports / nullif(sessions.n_messages, 0), 4) as share_of_messages,
    cluster_labels.n_clusters,
    cluster_labels.clusters,
    cluster_labels.worst_minute,
    per_session.message,
from per_session
join sessions using (session_id)
join cluster_labels using (session_id)
order by sessions.session_date desc, sessions.session_id desc
