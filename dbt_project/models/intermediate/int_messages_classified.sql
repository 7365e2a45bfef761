with messages as (

    select * from {{ ref('int_messages_threaded') }}

),

classified as (

    select
        messages.*,
        left(md5(course_id || ':' || {{ name_key('sender_name') }}), 16) as user_id,
        {{ name_key('sender_name') }} as sender_key,
        date_trunc('minute', sent_at) as minute_at,
        message_kind in ('text', 'reply') and {{ is_question('body') }} as is_question,
    from messages

)

select * from classified
