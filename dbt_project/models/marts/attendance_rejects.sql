-- Every record of a landed attendance report that is in no participant row, with its line and reason.
with rejects as (

    select * from {{ source('lake', 'attendance_rejects') }}

),

files as (

    select * from {{ ref('stg_lake__attendance_files') }}
    where status = 'landed'

)

select
    files.course_id,
    files.session_id,
    rejects.source_file,
    cast(rejects.line_no as integer) as line_no,
    rejects.raw_text,
    rejects.reason,
    files.landed_at
from rejects
inner join files
    on rejects.source_file = files.source_file
    and rejects.file_sha256 = files.sha256
