-- One row per name a roster person goes by in a course: their display name, and each of their
-- `aliases` (raw/roster.csv, `|`-separated; how staff resolve a name left unclaimed, docs/attendance.md).
-- A chat sender or an attendance report's participant whose name_key equals one of them is that person.
with roster as (

    select * from {{ source('lake', 'roster') }}

),

names as (

    select course_id, display_name, display_name as written_name, user_key, role, email, false as is_alias
    from roster
    union all
    select course_id, display_name, {{ explode_list('aliases') }} as written_name, user_key, role, email, true as is_alias
    from roster

),

renamed as (

    select
        course_id,
        display_name,
        {{ name_key('written_name') }} as name_key,
        user_key,
        role,
        written_name,
        is_alias,
        email
    from names

)

select * from renamed
