-- Nothing lost: every line of a landed file is a header, continuation, blank or rejected line,
-- and every header line starts exactly one message.
select
    source_file,
    n_lines,
    n_header_lines,
    n_continuation_lines,
    n_blank_lines,
    n_rejected_lines,
    n_messages
from {{ ref('ingested_files') }}
where status = 'landed'
    and (
        n_header_lines + n_continuation_lines + n_blank_lines + n_rejected_lines != n_lines
        or n_header_lines != n_messages
    )
