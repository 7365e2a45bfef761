-- Replies and reactions quote the start of the message they answer ("Replying to "How do
-- we…"", Zoom cuts the quote at about 20 or 50 characters). The target is the nearest
-- earlier message of the same session whose text starts with the quote, whitespace folded.
with messages as (

    select * from {{ ref('stg_lake__messages') }}
    {{ only_new_session_files(ref('stg_lake__files')) }}

),

quoting as (

    select
        message_id,
        session_id,
        seq,
        {{ fold_whitespace('coalesce(reply_to_text, reaction_target)') }} as quote
    from messages
    where message_kind in ('reply', 'reaction')
        and coalesce(reply_to_text, reaction_target) is not null

),

targets as (

    select
        session_id,
        seq,
        message_id,
        {{ fold_whitespace('body') }} as folded_body
    from messages
    where message_kind in ('text', 'reply')

),

nearest_target as (

    select
        quoting.message_id,
        max_by(targets.message_id, targets.seq) as quoted_message_id
    from quoting
    inner join targets
        on quoting.session_id = targets.session_id
        and targets.seq < quoting.seq
        and starts_with(targets.folded_body, quoting.quote)
    where quoting.quote != ''
    group by quoting.message_id

),

threaded as (

    select
        messages.*,
        case when messages.message_kind = 'reply' then nearest_target.quoted_message_id end
            as reply_to_message_id,
        case when messages.message_kind = 'reaction' then nearest_target.quoted_message_id end
            as reaction_to_message_id
    from messages
    left join nearest_target
        on messages.message_id = nearest_target.message_id

)

select * from threaded
