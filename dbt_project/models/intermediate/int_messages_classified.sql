-- What each message is. The rules live in macros/chat_rules.sql. A message is a
-- question when its intent is `question`, or when its intent is `tech_issue` and it is
-- phrased as a question ("No sound?", "卡住了么"): a question whose intent is tech trouble
-- (docs/contract.md). A roll-call reply is never a question.
-- The answer-evidence inputs of int_questions_answered (content terms, question form,
-- answer cues, ...) are computed here, once per message.
with messages as (

    select * from {{ ref('int_messages_identified') }}
    {{ only_new_sessions() }}

),

intents as (

    select
        messages.*,
        -- a message opening with a quote of an earlier one ("\"Can we work in pairs?\" yes, ...")
        -- is judged by what follows the quote; the quote is kept for answer matching
        nullif(regexp_extract(body, '^\s*["“「『]([^"”」』]{4,})["”」』]', 1), '') as quoted_text,
        {{ base_intent("regexp_replace(body, '^\\s*[\"“「『][^\"”」』]{4,}[\"”」』]\\s*', '')", 'message_kind') }} as base_intent
    from messages

),

classified as (

    select
        intents.*,
        date_trunc('minute', sent_at) as minute_at,
        base_intent = 'question'
            or (base_intent = 'tech_issue' and message_kind in ('text', 'reply') and {{ is_question('body') }})
            as is_question,
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
            and (
                contains(body, '@')
                or regexp_matches(body, '^[^,:，：\n]{1,40}[,:，：]')
                or regexp_matches(lower(body), '^\s*{{ greeting_opener() }}')
                or regexp_matches(lower(body), '^\s*{{ answer_word_opener() }}')
            ) as may_address_someone,
        {{ content_terms('body') }} as content_terms,
        {{ content_chars('body') }} as content_chars,
        case when base_intent = 'tech_issue' then 'tech' else {{ question_form('body') }} end as question_form,
        {{ opens_yes_no('body') }} as asks_yes_no,
        {{ answer_cues('body') }} as answer_cues,
        cast(length({{ strip_address('lower(body)') }}) as bigint) as core_length,  -- Spark's length is an int
        {{ is_thanks('body') }} as is_thanks,
        -- who reacted to it on the message itself (Zoom 2025+ collects reactions on a body line: "Ann, Bo:👍")
        {{ list_map('flatten(' ~ list_map('collected_reactions', 'r', 'r.reactors') ~ ')', 'n', name_key('n')) }} as reactor_keys
    from intents

)

select * from classified
