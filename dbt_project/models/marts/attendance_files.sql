-- One row per attendance report in raw/<course>/ (docs/attendance.md): status (landed, duplicate,
-- failed) and reason, layout, meeting block, the session it belongs to and how it was tied to it,
-- and its record counts (meeting, blank, header, participant rows, rejected: they add up).
select * from {{ ref('stg_lake__attendance_files') }}
