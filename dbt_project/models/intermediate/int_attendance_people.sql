-- Each participant of the attendance reports matched to a person of its course. One row per
-- (course, participant as written, e-mail): the roster or chat person it is, with the rule, score
-- and the name it matched, or unclaimed (matched_user_id null: a person of its own, listed in
-- name_matches for staff to resolve with `aliases` in raw/roster.csv). The rule and its threshold
-- live in classchat/people.py (docs/attendance.md, "Matching names"); this model hands each course's
-- participants and people to the SQL function classchat_course_participant_matches
-- (classchat/functions.py), the same Python on DuckDB and on Spark. A table rebuilt on every build:
-- a new chat or roster row can change a match.
{{ config(materialized='table') }}

with participants as (

    select
        course_id,
        participant,
        display_name,
        original_name,
        email,
        max(landed_at) as landed_at
    from {{ ref('stg_lake__attendance') }}
    group by course_id, participant, display_name, original_name, email

),

numbered as (

    select
        *,
        row_number() over (
            partition by course_id order by participant, display_name, original_name, email
        ) as n
    from participants

),

people as (

    select
        course_id,
        left(md5('key:' || user_key), 16) as user_id,
        written_name as name,
        case when is_alias then 'roster_alias' else 'roster' end as source
    from {{ ref('stg_lake__roster') }}
    union all
    select distinct
        course_id,
        user_id,
        sender_name as name,
        'chat' as source
    from {{ ref('int_messages_identified') }}
    where message_kind != 'system'

),

emails as (

    select distinct
        course_id,
        email,
        left(md5('key:' || user_key), 16) as user_id
    from {{ ref('stg_lake__roster') }}
    where email is not null

),

courses as (

    select
        course_id,
        {{ list_agg(struct_of({
            'n': 'n', 'forms': list_of('participant, display_name, original_name'), 'email': 'email'
        })) }} as participants
    from numbered
    group by course_id

),

matched as (

    select
        courses.course_id,
        {{ explode_list(
            'classchat_course_participant_matches(courses.participants, course_people.people, course_emails.emails)'
        ) }} as m
    from courses
    left join (
        select
            course_id,
            {{ list_agg(struct_of({'user_id': 'user_id', 'name': 'name', 'source': 'source'})) }} as people
        from people
        group by course_id
    ) as course_people on courses.course_id = course_people.course_id
    left join (
        select
            course_id,
            {{ list_agg(struct_of({'email': 'email', 'user_id': 'user_id'})) }} as emails
        from emails
        group by course_id
    ) as course_emails on courses.course_id = course_emails.course_id

)

select
    numbered.course_id,
    numbered.participant,
    numbered.display_name,
    numbered.original_name,
    numbered.email,
    matched.m.matched_user_id,
    matched.m.matched_name,
    matched.m.match_source,
    matched.m.match_rule,
    matched.m.match_score,
    matched.m.runner_up_score,
    matched.m.matched_user_id is not null as is_claimed,
    numbered.landed_at
from numbered
inner join matched
    on numbered.course_id = matched.course_id
    and numbered.n = matched.m.n
