-- The marts hold exactly the messages the manifest says were landed, file by file.
with landed as (

    select source_file, n_messages from {{ ref('ingested_files') }}
    where status = 'landed'

),

counted as (

    select source_file, count(*) as n_rows from {{ ref('messages') }}
    group by source_file

)

select landed.source_file, landed.n_messages, counted.n_rows
from landed
full outer join counted on landed.source_file = counted.source_file
where coalesce(landed.n_messages, -1) != coalesce(counted.n_rows, -1)
