-- Nothing lost in an attendance report: its records are meeting block, blank, header, participant rows
-- and rejected records; the participant rows and rejects the warehouse holds are the counted ones;
-- and every attendance figure is in range.
with files as (

    select * from {{ ref('attendance_files') }}
    where status = 'landed'

),

held as (

    select source_file, count(*) as n from {{ ref('stg_lake__attendance') }} group by source_file

),

rejected as (

    select source_file, count(*) as n from {{ ref('attendance_rejects') }} group by source_file

)

select files.source_file, 'records do not add up' as problem
from files
left join held on files.source_file = held.source_file
left join rejected on files.source_file = rejected.source_file
where files.n_meeting_records + files.n_blank_records + files.n_header_records + files.n_rows + files.n_rejected
        != files.n_records
    or coalesce(held.n, 0) != files.n_rows
    or coalesce(rejected.n, 0) != files.n_rejected

union all

select session_id || ' ' || user_id, 'figures out of range'
from {{ ref('attendance') }}
where share_present < 0 or share_present > 1
    or minutes_present < 0
    or n_rejoins != n_joins - 1 and n_joins > 0
    or first_join_at > last_leave_at
