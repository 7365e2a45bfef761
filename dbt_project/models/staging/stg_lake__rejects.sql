with rejects as (

    select * from {{ source('lake', 'rejects') }}

),

files as (

    select * from {{ ref('stg_lake__files') }}
    where status = 'landed'

),

current_rejects as (

    select
        rejects.course_id,
        rejects.session_id,
        rejects.source_file,
        cast(rejects.line_no as integer) as line_no,
        rejects.raw_text,
        rejects.reason,
        files.ingested_at as landed_at
    from rejects
    inner join files
        on rejects.source_file = files.source_file
        and rejects.file_sha256 = files.sha256

)

select * from current_rejects
