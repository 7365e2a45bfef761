with classified as (

    select * from {{ ref('int_messages_classified') }}

),

final as (

    select
        message_id,
        session_id,
        course_id,
        user_id,
        sender_name,
        recipient,
        is_private,
        message_kind,
        seq,
        sent_at,
        minute_at,
        body,
        is_question,
        source_file,
        source_line,
        n_source_lines,
    from classified

)

select * from final
