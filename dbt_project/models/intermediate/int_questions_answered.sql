-- One row per question with the message that answers it, by the first rule that finds one:
--   1. reply:   the first reply (Zoom "Replying to") to the question by someone else;
--   2. mention: the first message by someone else within mention_window_minutes that
--               @mentions the asker or opens with the asker's name ("Wei Lin, ...");
--   3. next:    the first substantive message by someone else within answer_window_minutes:
--               not a question, not thanks/ok, roll call, tech trouble or "go on" (intent other or
--               link), and not a bare particle or laughter ("吧", "哈哈", "...").
-- Candidates must be visible to the asker (public, or private to the asker).
-- A question the same person asks again later in the session (same or near text) is
-- unanswered-and-repeated: its asker did not get an answer, whatever followed it.
-- Candidate pairs are found through (session, minute) keys, so the cost grows with the
-- messages near each question, not with the square of a session's length; each rule
-- joins only the messages that could satisfy it (substantive ones, or ones that address someone).
{% set answer_window = var('answer_window_minutes') %}
{% set mention_window = var('mention_window_minutes') %}

with messages as (

    select * from {{ ref('int_messages_classified') }}
    {{ only_new_sessions() }}

),

questions as (

    select * from messages
    where is_question

),

question_minutes as (

    select
        questions.message_id as question_id,
        questions.session_id,
        questions.seq,
        questions.sent_at as asked_at,
        questions.user_id,
        questions.sender_key,
        questions.minute_at + to_minutes(cast(step as bigint)) as minute_at,
        step,
    from questions
    cross join unnest(range(0, {{ [answer_window, mention_window] | max }} + 1)) as steps(step)

),

-- the messages that could answer: only the columns and rows each rule needs
substantive as (

    select session_id, minute_at, message_id, seq, sent_at, user_id, is_private, recipient_key,
    from messages
    where is_substantive

),

addressing as (

    select session_id, minute_at, message_id, seq, sent_at, user_id, is_private, recipient_key, body_lower,
    from messages
    where may_address_someone

),

next_candidates as (

    select
        question_minutes.question_id,
        substantive.message_id as answer_id,
        substantive.seq as answer_seq,
    from question_minutes
    inner join substantive
        on question_minutes.session_id = substantive.session_id
        and question_minutes.minute_at = substantive.minute_at
    where question_minutes.step <= {{ answer_window }}
        and substantive.seq > question_minutes.seq
        and substantive.user_id != question_minutes.user_id
        and substantive.sent_at <= question_minutes.asked_at + to_minutes({{ answer_window }})
        and (not substantive.is_private or substantive.recipient_key = question_minutes.sender_key)

),

mention_candidates as (

    select
        question_minutes.question_id,
        addressing.message_id as answer_id,
        addressing.seq as answer_seq,
    from question_minutes
    inner join addressing
        on question_minutes.session_id = addressing.session_id
        and question_minutes.minute_at = addressing.minute_at
    where addressing.seq > question_minutes.seq
        and addressing.user_id != question_minutes.user_id
        and addressing.sent_at <= question_minutes.asked_at + to_minutes({{ mention_window }})
        and (not addressing.is_private or addressing.recipient_key = question_minutes.sender_key)
        and (
            contains(addressing.body_lower, '@' || question_minutes.sender_key)
            or (
                starts_with(addressing.body_lower, question_minutes.sender_key)
                and substr(addressing.body_lower, length(question_minutes.sender_key) + 1, 1) in (',', ':', '，', '：')
            )
        )

),

by_reply as (

    select
        questions.message_id as question_id,
        min_by(replies.message_id, replies.seq) as answer_id,
    from questions
    inner join messages as replies
        on questions.message_id = replies.reply_to_message_id
    where replies.user_id != questions.user_id
    group by questions.message_id

),

by_mention as (

    select
        question_id,
        min_by(answer_id, answer_seq) as answer_id,
    from mention_candidates
    group by question_id

),

by_next as (

    select
        question_id,
        min_by(answer_id, answer_seq) as answer_id,
    from next_candidates
    group by question_id

),

repeated as (

    select distinct earlier.message_id as question_id
    from questions as earlier
    inner join questions as later
        on earlier.session_id = later.session_id
        and earlier.user_id = later.user_id
        and later.seq > earlier.seq
    where {{ fold_whitespace('lower(earlier.body)') }} = {{ fold_whitespace('lower(later.body)') }}
        or jaro_winkler_similarity(
            {{ fold_whitespace('lower(earlier.body)') }}, {{ fold_whitespace('lower(later.body)') }}
        ) >= 0.9
        or (length(earlier.body) >= 6 and contains(later.body, earlier.body))

),

matched as (

    select
        questions.message_id as question_id,
        questions.session_id,
        questions.course_id,
        questions.user_id as asker_user_id,
        questions.sent_at as asked_at,
        questions.landed_at,
        repeated.question_id is not null as is_repeated,
        case
            when repeated.question_id is not null then null
            when by_reply.answer_id is not null then 'reply'
            when by_mention.answer_id is not null then 'mention'
            when by_next.answer_id is not null then 'next'
        end as answer_rule,
        case
            when repeated.question_id is null
                then coalesce(by_reply.answer_id, by_mention.answer_id, by_next.answer_id)
        end as answer_id,
    from questions
    left join by_reply on questions.message_id = by_reply.question_id
    left join by_mention on questions.message_id = by_mention.question_id
    left join by_next on questions.message_id = by_next.question_id
    left join repeated on questions.message_id = repeated.question_id

),

final as (

    select
        matched.question_id,
        matched.session_id,
        matched.course_id,
        matched.asker_user_id,
        matched.asked_at,
        matched.answer_id as answer_message_id,
        matched.answer_rule,
        answers.user_id as answerer_user_id,
        answers.sent_at as answered_at,
        date_diff('second', matched.asked_at, answers.sent_at) as response_seconds,
        case
            when answers.message_id is null then null
            when answers.role in ('instructor', 'ta') then answers.role
            else 'peer'
        end as answer_source,
        matched.is_repeated,
        matched.answer_id is null as is_unanswered,
        matched.landed_at,
    from matched
    left join messages as answers
        on matched.answer_id = answers.message_id

)

select * from final
