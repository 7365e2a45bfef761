-- Who sent each message: a person (user_id) and their role in the session.
-- A roster row (course, display name) gives a user_key that holds across courses;
-- without one, a normalised display name is a person within its course only.
-- Role, first rule that holds (docs/contract.md, "Roles"):
--   1. system messages are `system`;
--   2. the roster's role for the person in the course;
--   3. the course's instructor from raw/sessions.csv: the instructor named on this session's
--      row, else on the latest earlier row of the course that names one, else (sessions before
--      the first such row) on the course's first row that names one. So the instructor named
--      once is the course's instructor in every session until a later row names someone else;
--   4. the export's own role tag (`role_tag`, normalised by the parser: [Host], (主持人),
--      [TA], MODERATOR ...; macro role_from_tag): the highest tag the person carries in the
--      session (a tag on one header counts for all their messages of the session);
--   5. else unknown.
-- A display name is never a role: a participant named "Host" without a tag is unknown.
-- Activity (who talks or answers most) never makes anyone staff. The precedence between
-- roles (instructor > ta > student > unknown) is macro role_rank, used by every model and
-- exposed as user_sessions.role_rank for the report.
with messages as (

    select * from {{ ref('int_messages_threaded') }}
    {{ only_new_sessions() }}

),

roster as (

    select * from {{ ref('stg_lake__roster') }}

),

files as (

    select
        course_id,
        session_id,
        coalesce(session_date, date '1900-01-01') as session_date,
        nullif({{ name_key('instructor') }}, '') as instructor_key
    from {{ ref('stg_lake__files') }}
    where status = 'landed'

),

-- the course's instructor in each session (rule 3)
course_instructor as (

    select
        this.session_id,
        coalesce(
            max_by(named.instructor_key, named.session_date::string || '#' || named.session_id) filter (
                where named.session_date < this.session_date
                    or (named.session_date = this.session_date and named.session_id <= this.session_id)
            ),
            min_by(named.instructor_key, named.session_date::string || '#' || named.session_id)
        ) as instructor_key
    from files as this
    inner join files as named
        on this.course_id = named.course_id
        and named.instructor_key is not null
    group by this.session_id

),

keyed as (

    select
        messages.*,
        {{ name_key('sender_name') }} as sender_key,
        {{ role_from_tag('messages.role_tag') }} as tag_role
    from messages

),

identified as (

    select
        keyed.*,
        roster.user_key,
        case
            when roster.user_key is not null then left(md5('key:' || roster.user_key), 16)
            else left(md5(keyed.course_id || ':' || keyed.sender_key), 16)
        end as user_id,
        roster.role as roster_role,
        course_instructor.instructor_key = keyed.sender_key as is_course_instructor
    from keyed
    left join roster
        on keyed.course_id = roster.course_id
        and keyed.sender_key = roster.name_key
    left join course_instructor
        on keyed.session_id = course_instructor.session_id

),

final as (

    select
        {{ all_columns_but('roster_role, is_course_instructor, tag_role') }},
        case
            when message_kind = 'system' then 'system'
            when roster_role is not null then roster_role
            when coalesce(is_course_instructor, false) then 'instructor'
            else {{ role_by_rank(
                "min(case when message_kind != 'system' then " ~ role_rank('tag_role') ~ " end)"
                ~ ' over (partition by session_id, user_id)'
            ) }}
        end as role
    from identified

)

select * from final
