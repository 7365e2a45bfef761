{% macro answer_inputs() -%}
    {#-
        The CTEs both halves of the answer model start from (int_answer_pairs scores the candidate
        pairs, int_questions_answered assigns them): `messages` of the session batch (with the running
        count of substantive messages, in the session and in a private conversation, and the writer's first name), `questions` (with the keys the pairs and the repeats use), and
        `repeats` (the asker asks the same again). One definition, read by both models. The batch
        marker (session_batch) is replaced by the session_batched materialization on DuckDB with the
        batch and the sessions the build lacks; on Spark both models are whole tables.
    -#}
messages as (

    select
        *,
        count(case when is_substantive then 1 end) over (
            partition by session_id order by seq rows between unbounded preceding and current row
        ) as substantive_upto,
        -- the same count within a private conversation (the two people of a direct message): there
        -- the next message of the conversation is the next message, whatever the rest of the chat says
        case when conversation_key is not null then count(case when is_substantive then 1 end) over (
            partition by session_id, conversation_key
            order by seq rows between unbounded preceding and current row
        ) end as conversation_upto
    from (
        select
            *,
            -- a direct message's conversation: its two people, in either direction
            case when is_private then least(sender_key, recipient_key) || chr(10) || greatest(sender_key, recipient_key) end
                as conversation_key,
            -- the writer's first name, by which an answer may address them (the asker's, or someone else's)
            {{ first_name_key('sender_key') }} as first_key
        from {{ ref('int_messages_classified') }}
        where {{ session_batch() }}
    ) as batch

),

questions as (

    select
        *,
        -- once per question, not per pair (the repeats join compared every pair of one asker's questions)
        {{ fold_whitespace('body_lower') }} as folded_body_lower,
        {{ says_same_question('body_lower') }} as says_same_question
    from messages
    where is_question

),

-- the asker asks the same again (same or near text; not a private copy to someone else): the time of the first repeat
repeats as (

    select
        earlier.message_id as question_id,
        min(later.seq) as repeat_seq
    from questions as earlier
    inner join questions as later
        on earlier.session_id = later.session_id
        and earlier.user_id = later.user_id
        and later.seq > earlier.seq
        -- the same words sent privately to someone else ask someone else, not again
        and coalesce(earlier.conversation_key = later.conversation_key, true)
    where earlier.folded_body_lower = later.folded_body_lower
        or jaro_winkler_similarity(earlier.folded_body_lower, later.folded_body_lower) >= 0.9
        or (length(earlier.body) >= 6 and contains(later.body, earlier.body))
    group by earlier.message_id

)
{%- endmacro %}
