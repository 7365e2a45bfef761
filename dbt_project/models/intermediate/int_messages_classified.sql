-- What each message is. The rules live in macros/chat_rules.sql. A message is a
-- question when its intent is `question`: a tech complaint phrased as a question
-- ("听不到了吗") is a tech issue, a roll-call reply is not a question.
with messages as (

    select * from {{ ref('int_messages_identified') }}
    {{ only_new_sessions() }}

),

intents as (

    select
        messages.*,
        {{ base_intent('body', 'message_kind') }} as base_intent,
    from messages

),

classified as (

    select
        intents.*,
        date_trunc('minute', sent_at) as minute_at,
        base_intent = 'question' as is_question,
        {{ has_link('body') }} as has_link,
        {{ mentions('body') }} as mentions,
        {{ language('body') }} as language,
        -- for matching answers to questions (int_questions_answered), computed once per message
        lower(body) as body_lower,
        case when is_private then {{ name_key('recipient') }} end as recipient_key,
        message_kind in ('text', 'reply')
            and base_intent in ('other', 'link')
            and not {{ is_filler('body') }} as is_substantive,
        message_kind in ('text', 'reply')
            and (contains(body, '@') or regexp_matches(body, '^[^,:，：\n]{1,40}[,:，：]')) as may_address_someone,
    from intents

)

select * from classified
