-- Participant rows of the landed attendance reports only (the manifest names them by path and sha256).
with attendance as (

    select * from {{ source('lake', 'attendance') }}

),

files as (

    select * from {{ ref('stg_lake__attendance_files') }}
    where status = 'landed'

)

select
    files.session_id,
    attendance.course_id,
    attendance.source_file,
    cast(attendance.line_no as integer) as line_no,
    attendance.participant,
    attendance.display_name,
    attendance.original_name,
    attendance.email,
    attendance.join_at,
    attendance.leave_at,
    attendance.duration_minutes,
    attendance.is_guest,
    attendance.recording_consent,
    coalesce(attendance.in_waiting_room, false) as in_waiting_room,
    files.meeting_start,
    files.meeting_end,
    files.landed_at
from attendance
inner join files
    on attendance.source_file = files.source_file
    and attendance.file_sha256 = files.sha256
