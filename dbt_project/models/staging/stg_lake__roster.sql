with roster as (

    select * from {{ source('lake', 'roster') }}

),

renamed as (

    select
        course_id,
        display_name,
        {{ name_key('display_name') }} as name_key,
        user_key,
        role,
    from roster

)

select * from renamed
