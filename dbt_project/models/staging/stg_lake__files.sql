with files as (

    select * from {{ source('lake', 'files') }}

),

renamed as (

    select
        source_file,
        course_id,
        session_id,
        sha256,
        size_bytes,
        parser_version,
        layout,
        encoding,
        status,
        reason,
        meta_fingerprint,
        session_date,
        title,
        timezone,
        instructor,
        recording_start,
        n_lines,
        n_header_lines,
        n_continuation_lines,
        n_blank_lines,
        n_rejected_lines,
        n_misfit_lines,
        layout_fit,
        coalesce(poor_fit, false) as poor_fit,
        time_basis,
        coalesce(continuation_marked, false) as continuation_marked,
        n_messages,
        started_at,
        ended_at,
        ingested_at,
        ingested_at as landed_at
    from files

)

select * from renamed
