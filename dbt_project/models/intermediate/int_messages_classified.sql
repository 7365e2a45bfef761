-- What each message is. The rules live in macros/chat_rules.sql. A message is a
-- question when its intent is `question`: a tech complaint phrased as a question
-- ("听不到了吗") is a tech issue, a roll-call reply is not a question.
with messages as (

    select * from {{ ref('int_messages_identified') }}

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
    from intents

)

select * from classified
