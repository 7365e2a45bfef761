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
        sender_role,
        recipient,
        is_private,
        message_kind,
        seq,
        sent_at,
        minute_at,
        body,
        is_question,
        reply_to_message_id,
        reaction_to_message_id,
        reaction_emoji,
        is_reaction_removal,
        n_collected_reactions,
        source_file,
        source_line,
        n_source_lines,
    from classified

)

select * from final
