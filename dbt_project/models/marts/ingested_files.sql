select * from {{ ref('stg_lake__files') }}
