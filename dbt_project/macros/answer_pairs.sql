{% macro opens_with_name(candidates, name) -%}
    {#-
        The candidate opens by naming `name` (a name key): "ed, ...", "林芳：...", or after a greeting
        ("hi ed, ...", "hello ed - yes", "hey ed yes it is"), where the name may also end in a space,
        a stop, a dash or the message, or after an answer word ("yes, ed - ...", "sure ed, ...", "对，
        王芳，..."), where it must end in a comma, colon, "!" or dash. `opener` / `after_answer_word`
        are the text after the greeting / answer word (candidate_messages); each differs from the
        body exactly when there was one.
    -#}
    (
        (
            starts_with({{ candidates }}.opener, {{ name }})
            and (
                substr({{ candidates }}.opener, length({{ name }}) + 1, 1) in (',', ':', '，', '：', '!')
                or ({{ candidates }}.opener != {{ candidates }}.body_lower and substr({{ candidates }}.opener, length({{ name }}) + 1, 1) in (' ', '.', '-', ''))
            )
        )
        -- after an answer word ("yes, jane - …", "对，王芳，…") the name must end in punctuation
        or (
            {{ candidates }}.after_answer_word != {{ candidates }}.body_lower
            and starts_with({{ candidates }}.after_answer_word, {{ name }})
            and regexp_matches(substr({{ candidates }}.after_answer_word, length({{ name }}) + 1), '^\s*[,:，：!—–-]')
        )
    )
{%- endmacro %}

{% macro answer_pair_ctes() -%}
    {#-
        The first half of the answer model (docs/answers.md; the rules are in the header of
        int_questions_answered), as CTEs after answer_inputs(): every candidate pair (question, later
        message) with its signals, ending in `scored` (the score without the helper signal,
        `base_score`). int_questions_answered continues from `scored`: on DuckDB with these CTEs in
        its own query (batch by batch), on Spark from the table int_answer_pairs, which is these
        CTEs (Spark inlines every CTE into each place that reads it; a table computes them once).
    -#}
{% set window = var('answer_window_minutes') %}
{% set quick = var('answer_quick_minutes') %}
{% set ack_window = var('ack_window_minutes') %}
{% set w = var('answer_weights') %}

candidate_messages as (

    select
        session_id, minute_at, message_id, seq, sent_at, user_id, sender_key, role, is_private, recipient_key,
        body_lower, reply_to_message_id, quoted_text, content_terms, content_chars, answer_cues, core_length, is_thanks,
        substantive_upto, conversation_upto, may_address_someone, reactor_keys,
        -- the text after an opening greeting ("hi ed, yes") or answer word ("yes, ed - …"), for name
        -- openers (macro opens_with_name)
        regexp_replace(body_lower, '^\s*{{ greeting_opener() }}', '') as opener,
        regexp_replace(body_lower, '^\s*{{ answer_word_opener() }}', '') as after_answer_word
    from messages
    where is_substantive

),

-- who reacted to a message by a reaction message ("Reacted to "…" with 👍"), unless they removed it again
reactions as (

    select message_id, {{ list_agg('sender_key') }} as reacted_keys
    from (
        select reaction_to_message_id as message_id, sender_key
        from messages
        where message_kind = 'reaction' and reaction_to_message_id is not null
        group by reaction_to_message_id, sender_key
        having sum(case when is_reaction_removal then -1 else 1 end) > 0
    ) as net_reactions
    group by message_id

),

-- people of the session a message may address, by full name key or first name
people as (

    select distinct session_id, user_id, sender_key as name from messages
    where message_kind in ('text', 'reply') and length(sender_key) >= 2
    union
    select distinct session_id, user_id, first_key as name from messages
    where message_kind in ('text', 'reply') and first_key is not null

),

addressed as (

    select
        candidates.message_id,
        array_distinct({{ list_agg('people.user_id') }}) as addressed_user_ids
    from candidate_messages as candidates
    inner join people
        on candidates.session_id = people.session_id
        and candidates.user_id != people.user_id
    where candidates.may_address_someone
        and (
            contains(candidates.body_lower, '@' || people.name)
            or {{ opens_with_name('candidates', 'people.name') }}
        )
    group by candidates.message_id

),

-- the people a candidate addresses, joined once per message rather than once per pair
candidates as (

    select candidate_messages.*, addressed.addressed_user_ids, reactions.reacted_keys
    from candidate_messages
    left join addressed on candidate_messages.message_id = addressed.message_id
    left join reactions on candidate_messages.message_id = reactions.message_id

),

question_minutes as (

    select
        questions.message_id as question_id,
        questions.session_id,
        questions.minute_at + {{ minutes('step') }} as minute_at,
        questions.substantive_upto,
        questions.conversation_upto
    from questions
    {{ join_integers('steps', 'step', 0, window ~ ' + 1') }}

),

pair_keys as (

    select question_minutes.question_id, candidates.message_id as answer_id
    from question_minutes
    inner join candidates
        on question_minutes.session_id = candidates.session_id
        and question_minutes.minute_at = candidates.minute_at
        -- at most answer_max_candidates substantive messages after the question (a busy chat
        -- otherwise pairs each question with every message of its window; memory grew with that)
        -- (counted in the conversation when both are private: a direct message's answer may come after
        -- many messages of other conversations)
        and coalesce(
            candidates.conversation_upto <= question_minutes.conversation_upto + {{ var('answer_max_candidates') }},
            candidates.substantive_upto <= question_minutes.substantive_upto + {{ var('answer_max_candidates') }}
        )
    union
    select questions.message_id as question_id, candidates.message_id as answer_id
    from questions
    inner join candidates
        on questions.message_id = candidates.reply_to_message_id

),

pairs as (

    select
        questions.message_id as question_id,
        questions.session_id,
        questions.seq as question_seq,
        questions.user_id as asker_user_id,
        candidates.message_id as answer_id,
        candidates.seq as answer_seq,
        candidates.user_id as answerer_user_id,
        candidates.sent_at as answered_at,
        candidates.substantive_upto,
        coalesce(candidates.reply_to_message_id = questions.message_id, false)
            or (candidates.quoted_text is not null
                and starts_with(questions.folded_body_lower, {{ fold_whitespace('lower(candidates.quoted_text)') }}))
            as is_reply,
        (
            contains(candidates.body_lower, '@' || questions.sender_key)
            or {{ opens_with_name('candidates', 'questions.sender_key') }}
            or (questions.first_key is not null and (
                contains(candidates.body_lower, '@' || questions.first_key)
                or {{ opens_with_name('candidates', 'questions.first_key') }}
            ))
            or (candidates.is_private and candidates.recipient_key = questions.sender_key)
        ) as addresses_asker,
        coalesce({{ list_length(list_where('candidates.addressed_user_ids', 'u', 'u != questions.user_id')) }} > 0, false)
            as addresses_someone_else,
        greatest(
            coalesce({{ list_length('array_intersect(questions.content_terms, candidates.content_terms)') }}, 0),
            -- echo: a terse Han answer repeats a character of the question ("是学习出来的？" - "学的")
            case when {{ list_length('candidates.content_chars') }} between 1 and {{ var('echo_max_chars') }}
                and {{ list_length('array_intersect(questions.content_chars, candidates.content_chars)') }} > 0 then 1 else 0 end
        ) as n_shared_terms,
        coalesce({{ cue_fits('questions.question_form', 'candidates.answer_cues', 'questions.asks_yes_no') }}, false) as cue_fits,
        coalesce({{ cue_mismatch('questions.question_form', 'candidates.answer_cues', 'questions.asks_yes_no') }}, false)
            as cue_mismatch,
        coalesce(candidates.role in ('instructor', 'ta'), false) as is_staff,
        coalesce(candidates.is_thanks, false) as is_thanks,
        -- substantive messages between the two: in the private conversation when both are private
        -- (the filters below make it the asker's conversation with the candidate's author)
        coalesce(
            candidates.conversation_upto - 1 - questions.conversation_upto,
            candidates.substantive_upto - 1 - questions.substantive_upto
        ) as n_between,
        candidates.sent_at > questions.sent_at + interval {{ quick }} minute as is_late,
        repeats.repeat_seq is not null and repeats.repeat_seq < candidates.seq as asked_again,
        -- the asker reacted to the candidate (an emoji on it, collected or as a reaction message)
        coalesce(array_contains(candidates.reactor_keys, questions.sender_key), false)
            or coalesce(array_contains(candidates.reacted_keys, questions.sender_key), false) as asker_reacted
    from pair_keys
    inner join questions on pair_keys.question_id = questions.message_id
    inner join candidates on pair_keys.answer_id = candidates.message_id
    left join repeats on questions.message_id = repeats.question_id
    where candidates.seq > questions.seq
        and candidates.user_id != questions.user_id
        and (
            candidates.sent_at <= questions.sent_at + interval {{ window }} minute
            or candidates.reply_to_message_id = questions.message_id
        )
        and (not candidates.is_private or candidates.recipient_key = questions.sender_key)
        -- a private question is seen only by its recipient, so only they can answer it
        and (not questions.is_private or candidates.sender_key = questions.recipient_key)

),

-- thanks and ok messages, with the people of the session they name ("thanks Priya")
thanks as (

    select
        messages.message_id,
        {{ list_agg('people.user_id') }} as named_user_ids
    from messages
    left join people
        on messages.session_id = people.session_id
        and messages.user_id != people.user_id
        and contains(messages.body_lower, people.name)
    where not messages.is_question
        and (messages.base_intent = 'acknowledgement' or messages.is_thanks
            or regexp_matches(messages.body_lower, '\bthanks?\b|\bthx\b|谢|感谢'))
    group by messages.message_id

),

-- the asker's messages soon after the candidate: is the next one thanks/ok (with nothing
-- substantive in between, naming nobody else), or does one thank the candidate's author by name
acknowledged as (

    select
        pairs.question_id,
        pairs.answer_id,
        min_by(
            thanks.message_id is not null
                and asker_messages.substantive_upto = pairs.substantive_upto
                and (
                    coalesce({{ list_length('thanks.named_user_ids') }}, 0) = 0
                    or array_contains(thanks.named_user_ids, pairs.answerer_user_id)
                ),
            asker_messages.seq
        ) as is_acknowledged_next,
        bool_or(coalesce(array_contains(thanks.named_user_ids, pairs.answerer_user_id), false)) as is_thanked_by_name
    from pairs
    inner join messages as asker_messages
        on pairs.session_id = asker_messages.session_id
        and pairs.asker_user_id = asker_messages.user_id
        and asker_messages.seq > pairs.answer_seq
        and asker_messages.sent_at <= pairs.answered_at + interval {{ ack_window }} minute
    left join thanks
        on asker_messages.message_id = thanks.message_id
    group by pairs.question_id, pairs.answer_id

),

-- the asker's first thanks/ok after the question, within the window: a candidate after it comes
-- when the asker already had their answer (in the chat, or by voice: "了解了，谢谢老师")
asker_done as (

    select
        questions.message_id as question_id,
        min(asker_messages.seq) as done_seq
    from questions
    inner join messages as asker_messages
        on questions.session_id = asker_messages.session_id
        and questions.user_id = asker_messages.user_id
        and asker_messages.seq > questions.seq
        and asker_messages.sent_at <= questions.sent_at + interval {{ window }} minute
    inner join thanks
        on asker_messages.message_id = thanks.message_id
    group by questions.message_id

),

signals as (

    select
        pairs.*,
        coalesce(acknowledged.is_acknowledged_next or acknowledged.is_thanked_by_name, false) or pairs.asker_reacted
            as is_acknowledged,
        coalesce(asker_done.done_seq < pairs.answer_seq, false) as after_asker_done
    from pairs
    left join acknowledged
        on pairs.question_id = acknowledged.question_id
        and pairs.answer_id = acknowledged.answer_id
    left join asker_done
        on pairs.question_id = asker_done.question_id

),

scored as (

    select
        *,
        {{ w.reply }} * is_reply::int
        + {{ w.addresses_asker }} * addresses_asker::int
        + {{ w.addresses_other }} * (addresses_someone_else and not addresses_asker and not is_reply)::int
        + {{ w.shared_term }} * least(n_shared_terms, 2)
        + {{ w.answer_cue }} * cue_fits::int
        + {{ w.cue_mismatch }} * cue_mismatch::int
        + {{ w.staff }} * is_staff::int
        + {{ w.acknowledged }} * is_acknowledged::int
        + {{ w.next_message }} * (n_between = 0)::int
        + {{ w.second_message }} * (n_between = 1)::int
        + {{ w.thanks }} * is_thanks::int
        + {{ w.late }} * is_late::int
        + {{ w.asked_again }} * asked_again::int
        + {{ w.after_asker_done }} * after_asker_done::int
            as base_score
    from signals

)
{%- endmacro %}
