-- The attendance reports' manifest, each landed report tied to its session (docs/attendance.md):
-- the chat export of the same name (`<course>/<path without .csv>` is a chat's session_id), else the
-- one chat export of the course on the report's date, else a session of its own (attendance only).
with files as (

    select * from {{ source('lake', 'attendance_files') }}

),

chats as (

    select course_id, session_id, session_date from {{ ref('stg_lake__files') }}
    where status = 'landed'

),

by_date as (

    select course_id, session_date, min(session_id) as session_id
    from chats
    group by course_id, session_date
    having count(*) = 1

),

linked as (

    select
        files.*,
        case
            when by_name.session_id is not null then 'name'
            when by_date.session_id is not null then 'date'
            else 'none'
        end as session_link,
        coalesce(by_name.session_id, by_date.session_id, files.session_key) as session_id
    from files
    left join chats as by_name
        on files.session_key = by_name.session_id
    left join by_date
        on files.course_id = by_date.course_id
        and files.session_date = by_date.session_date
        and files.status = 'landed'

)

select
    source_file,
    course_id,
    session_key,
    case when status = 'landed' then session_id end as session_id,
    case when status = 'landed' then session_link end as session_link,
    sha256,
    size_bytes,
    layout,
    encoding,
    status,
    reason,
    meeting_id,
    topic,
    meeting_start,
    meeting_end,
    session_date,
    n_records,
    n_meeting_records,
    n_blank_records,
    n_header_records,
    n_rows,
    n_rejected,
    ingested_at as landed_at
from linked
