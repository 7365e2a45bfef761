select * from {{ ref('stg_lake__rejects') }}
