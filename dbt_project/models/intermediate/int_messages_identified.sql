-- Who sent each message: a person (user_id) and their role in the session.
-- A roster row (course, display name) gives a user_key that holds across courses;
-- without one, a normalised display name is a person within its course only.
-- Role, first rule that holds: the roster; the instructor named in raw/sessions.csv;
-- the role the export itself shows ([Instructor]/[Host]/MODERATOR -> instructor,
-- [TA]/[Co-host] -> ta, VIEWER -> student); else unknown. Activity (who talks or
-- answers most) never makes anyone an instructor.
with messages as (

    select * from {{ ref('int_messages_threaded') }}
    {{ only_new_sessions() }}

),

roster as (

    select * from {{ ref('stg_lake__roster') }}

),

files as (

    select session_id, instructor from {{ ref('stg_lake__files') }}
    where status = 'landed'

),

keyed as (

    select
        messages.*,
        {{ name_key('sender_name') }} as sender_key,
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
        case
            when keyed.message_kind = 'system' then 'system'
            when roster.role is not null then roster.role
            when files.instructor is not null
                and {{ name_key('files.instructor') }} = keyed.sender_key then 'instructor'
            when lower(keyed.sender_role) in ('instructor', 'host', 'moderator', 'teacher') then 'instructor'
            when lower(keyed.sender_role) in ('ta', 'co-host', 'cohost') then 'ta'
            when lower(keyed.sender_role) in ('viewer', 'student', 'attendee') then 'student'
            else 'unknown'
        end as role,
    from keyed
    left join roster
        on keyed.course_id = roster.course_id
        and keyed.sender_key = roster.name_key
    left join files
        on keyed.session_id = files.session_id

)

select * from identified
