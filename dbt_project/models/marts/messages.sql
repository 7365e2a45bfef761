with classified as (

    select * from {{ ref('int_messages_classified') }}
    {{ only_new_sessions() }}

),

questions as (

    select * from {{ ref('int_questions_answered') }}
    {{ only_new_sessions() }}

),

-- every answer message of a question (int_questions_answered matches each to one question)
answers as (

    select
        answer_id as message_id,
        min_by(question_id, asked_at) as answers_message_id
    from (select question_id, asked_at, {{ explode_list('answer_message_ids') }} as answer_id from questions) as answer_rows
    group by answer_id

),

final as (

    select
        classified.message_id,
        classified.session_id,
        classified.course_id,
        classified.user_id,
        classified.sender_name,
        classified.role,
        classified.sender_role as export_role,
        classified.role_tag,
        classified.recipient,
        classified.is_private,
        classified.message_kind,
        classified.seq,
        classified.sent_at,
        classified.minute_at,
        classified.body,
        case
            when answers.answers_message_id is not null
                and classified.base_intent in ('other', 'link') then 'answer'
            else classified.base_intent
        end as intent,
        classified.is_question,
        questions.is_unanswered,
        questions.is_repeated as is_repeated_question,
        questions.answer_message_id as answered_by_message_id,
        questions.answer_rule,
        questions.answer_source,
        questions.response_seconds,
        questions.answer_score,
        questions.answer_evidence,
        answers.answers_message_id,
        classified.has_link,
        classified.mentions,
        classified.language,
        classified.reply_to_message_id,
        classified.reaction_to_message_id,
        classified.reaction_emoji,
        classified.is_reaction_removal,
        classified.n_collected_reactions,
        classified.source_file,
        classified.source_line,
        classified.n_source_lines,
        classified.landed_at
    from classified
    left join questions
        on classified.message_id = questions.question_id
    left join answers
        on classified.message_id = answers.message_id

)

select * from final
