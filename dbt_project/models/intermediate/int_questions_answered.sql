-- One row per question with the messages that answer it, found by evidence (docs/answers.md).
--
-- A message that opens with a quote of the question ("\"Can we ...?\" yes") counts as a reply.
-- Candidates: every later message by someone else within answer_window_minutes that could
-- be an answer (is_substantive: text or reply, intent other or link, not a bare particle or
-- laughter -- so never a question, thanks/ok, roll call, tech trouble or "go on"), visible
-- to the asker (public, or private between the two); a Zoom reply to the question is a
-- candidate whatever its delay. Each pair is scored by the signals below; the weights are
-- the dbt var answer_weights, the cue words live in macros/chat_rules.sql:
--   for:     reply (a Zoom reply/quote of the question), addresses_asker (@name, "Name, ...",
--            a private message to the asker), shared_terms (per shared content term, at most
--            two: words, or Han character bigrams), answer_cue (the cue fits the question's
--            form: yes/no, because, a method, a time, a place, a number, a definition),
--            staff (instructor or TA), helper (answered another question earlier in the
--            session), acknowledged (the asker's next message is thanks/ok, nothing in
--            between, or the asker thanks the candidate's author by name), next_message /
--            second_message (first or second substantive message after the question);
--   against: addresses_other (addresses someone else), cue_mismatch (opens with yes/no
--            but the question asks why/how/what/when/where/how many), thanks (opens with thanks or praise), late (after
--            answer_quick_minutes), asked_again (the asker asks the same again after it).
-- One message answers one question: the one it scores highest with (ties: the newer
-- question). A question's answers are its assigned candidates scoring at least
-- answer_threshold; the strongest is answer_message_id, the first sets response_seconds.
-- The helper signal needs links: a first pass scores without it, its links name the
-- helpers (at least helper_min_answers earlier links, and answering at least as much as asking),
-- a second pass adds it.
-- Candidate pairs come through (session, minute) keys, so the cost grows with the messages
-- near each question, not with the square of a session's length; and a question meets at most
-- answer_max_candidates substantive messages (plus every Zoom reply to it), so a busy chat's
-- window does not multiply the pairs.
{{ config(
    materialized='table' if target.type == 'spark' else 'session_batched',
    batch_input='int_messages_classified',
    batch_rows=var('answer_batch_messages'),
) }}
{% set window = var('answer_window_minutes') %}
{% set quick = var('answer_quick_minutes') %}
{% set ack_window = var('ack_window_minutes') %}
{% set w = var('answer_weights') %}
{% set threshold = var('answer_threshold') %}

with {{ answer_inputs() }},

-- the candidate pairs with their signals and first score, ending in `scored` (macro answer_pair_ctes;
-- on Spark the table int_answer_pairs, which is those CTEs)
{% if target.type == 'spark' -%}
scored as (

    select * from {{ ref('int_answer_pairs') }}

),
{%- else -%}
{{ answer_pair_ctes() }},
{%- endif %}


-- first pass: who answered which question without the helper signal
first_pass as (

    {{ top_row('select * from scored', 'answer_id', 'base_score desc, question_seq desc') }}

),

-- de facto helpers: people (not staff) whose first-pass links make them answer more than they ask.
-- In a discussion chat almost everyone's remark is linked to something once, so one link is not
-- enough: a candidate gets the helper signal when its author already answered at least
-- helper_min_answers other questions earlier in the session, and answered at least as many
-- questions as they asked in it.
first_links as (

    select session_id, answerer_user_id, answer_seq from first_pass
    where base_score >= {{ threshold }}

),

asked as (

    select session_id, user_id, count(*) as n_asked from questions group by session_id, user_id

),

helpers as (

    select
        first_links.session_id,
        first_links.answerer_user_id,
        {{ list_agg('first_links.answer_seq') }} as answer_seqs
    from first_links
    left join asked
        on first_links.session_id = asked.session_id
        and first_links.answerer_user_id = asked.user_id
    group by first_links.session_id, first_links.answerer_user_id, asked.n_asked
    having count(*) >= coalesce(asked.n_asked, 0)

),

rescored_signals as (

    select
        scored.*,
        not scored.is_staff
            and coalesce({{ list_length(list_where('helpers.answer_seqs', 's', 's < scored.answer_seq')) }}, 0)
                >= {{ var('helper_min_answers') }}
            as is_helper
    from scored
    left join helpers
        on scored.session_id = helpers.session_id
        and scored.answerer_user_id = helpers.answerer_user_id

),

rescored as (

    select
        *,
        base_score + {{ w.helper }} * is_helper::int as score
    from rescored_signals

),

-- one message answers the question it fits best; a question keeps its candidates above the threshold
first_assignment as (

    select
        *,
        row_number() over (partition by question_id order by score desc, answer_seq) as strength_rank
    from (
        {{ top_row('select * from rescored', 'answer_id', 'score desc, question_seq desc') }}
    ) as best_fit
    where score >= {{ threshold }}

),

-- a message that is only a second answer of its question moves to a question it also clears the
-- threshold for and that has no answer at all (a burst of open questions: the first fit should not
-- take every message of the burst)
moved as (

    {%- set candidates -%}
    select rescored.*
    from rescored
    inner join first_assignment as secondary
        on rescored.answer_id = secondary.answer_id
        and secondary.strength_rank > 1
    where rescored.score >= {{ threshold }}
        and (rescored.is_reply or rescored.addresses_asker or rescored.n_shared_terms > 0 or rescored.cue_fits)
        and rescored.question_id not in (select question_id from first_assignment)
    {%- endset %}
    {{ top_row(candidates, 'answer_id', 'score desc, question_seq desc') }}

),

linked as (

    select
        *,
        row_number() over (partition by question_id order by score desc, answer_seq) as strength_rank
    from (
        select {{ all_columns_but('strength_rank') }} from first_assignment
        where answer_id not in (select answer_id from moved)
        union all
        select * from moved
    ) as assigned

),

per_question as (

    select
        question_id,
        {{ list_agg('answer_id', 'answer_seq') }} as answer_message_ids,
        min(answered_at) as first_answered_at
    from linked
    group by question_id

),

best as (

    select
        question_id,
        answer_id,
        answerer_user_id,
        score,
        {%- set evidence -%}
            case when is_reply then 'reply' end,
            case when addresses_asker then 'addresses_asker' end,
            case when addresses_someone_else and not addresses_asker and not is_reply then 'addresses_other' end,
            case when n_shared_terms > 0 then 'shared_terms' end,
            case when cue_fits then 'answer_cue' end,
            case when cue_mismatch then 'cue_mismatch' end,
            case when is_staff then 'staff' end,
            case when is_helper then 'helper' end,
            case when is_acknowledged then 'acknowledged' end,
            case when n_between = 0 then 'next_message' end,
            case when n_between = 1 then 'second_message' end,
            case when is_thanks then 'thanks' end,
            case when is_late then 'late' end,
            case when asked_again then 'asked_again' end,
            case when after_asker_done then 'after_asker_done' end
        {%- endset %}
        {{ list_where(list_of(evidence), 's', 's is not null') }} as evidence
    from linked
    where strength_rank = 1

),

-- questions that ask the same thing share their answers: the asker's follow-up (their next
-- substantive message is another question, within answer_quick_minutes: "MSE可以用在分类问题吗" -
-- "还是说可以用 但是效果不好？"), a question that says it is the previous one again ("同问", "same
-- question", "me too"), or a question within the window sharing at least same_question_min_terms content terms
-- with it. A question with no answer of its own takes the strongest answer of such a question that
-- came after it (one hop).
previous_question as (

    select
        message_id,
        lag(message_id) over (partition by session_id order by seq) as previous_id
    from questions

),

same_question as (

    select earlier.message_id as question_id, later.message_id as other_id
    from questions as earlier
    inner join questions as later
        on earlier.session_id = later.session_id
        and later.seq > earlier.seq
        and later.sent_at <= earlier.sent_at + interval {{ window }} minute
    left join previous_question on later.message_id = previous_question.message_id
    -- two direct messages of different conversations (the same problem sent to several people)
    -- do not share their answers: each answer reached one of them
    where coalesce(earlier.conversation_key = later.conversation_key, true)
        and (
            (
                earlier.user_id = later.user_id
                and later.substantive_upto = earlier.substantive_upto
                and later.sent_at <= earlier.sent_at + interval {{ quick }} minute
            )
            or (
                previous_question.previous_id = earlier.message_id
                and earlier.user_id != later.user_id
                and later.says_same_question
            )
            or (
                {{ list_length('array_intersect(earlier.content_terms, later.content_terms)') }} >= {{ var('same_question_min_terms') }}
                and {{ list_length('array_intersect(earlier.content_terms, later.content_terms)') }}
                    = least({{ list_length('earlier.content_terms') }}, {{ list_length('later.content_terms') }})
            )
        )

),

same_question_both_ways as (

    select question_id, other_id from same_question
    union
    select other_id as question_id, question_id as other_id from same_question

),

inherited_best as (

    {%- set candidates -%}
    select
        same_question_both_ways.question_id,
        questions.seq as question_seq,
        best.question_id as other_id,
        best.answer_id,
        best.answerer_user_id,
        best.score,
        array_append(best.evidence, 'same_question') as evidence,
        answers.seq as _answer_seq
    from same_question_both_ways
    inner join questions on same_question_both_ways.question_id = questions.message_id
    -- (noqa AL04 below: `best` is read again in the where clause, not aliased twice)
    inner join best on same_question_both_ways.other_id = best.question_id  -- noqa: AL04
    inner join messages as answers on best.answer_id = answers.message_id
    where answers.seq > questions.seq
        and same_question_both_ways.question_id not in (select question_id from best)
    {%- endset %}
    {{ top_row(candidates, 'question_id', 'score desc, _answer_seq', drop='_answer_seq') }}

),

-- the other question's answers that came after this question (its response time runs to the first)
inherited as (

    select
        inherited_best.question_id,
        any_value(inherited_best.answer_id) as answer_id,
        any_value(inherited_best.answerer_user_id) as answerer_user_id,
        any_value(inherited_best.score) as score,
        any_value(inherited_best.evidence) as evidence,
        {{ list_agg('linked.answer_id', 'linked.answer_seq') }} as answer_message_ids,
        min(linked.answered_at) as first_answered_at
    from inherited_best
    inner join linked
        on inherited_best.other_id = linked.question_id
        and linked.answer_seq > inherited_best.question_seq
    group by inherited_best.question_id

),

chosen as (

    select best.question_id, best.answer_id, best.answerer_user_id, best.score, best.evidence,
        per_question.answer_message_ids, per_question.first_answered_at
    from best
    inner join per_question on best.question_id = per_question.question_id
    union all
    select * from inherited

),

final as (

    select
        questions.message_id as question_id,
        questions.session_id,
        questions.course_id,
        questions.user_id as asker_user_id,
        questions.sent_at as asked_at,
        chosen.answer_id as answer_message_id,
        chosen.answer_message_ids,
        case
            when chosen.answer_id is null then null
            when array_contains(chosen.evidence, 'reply') then 'reply'
            when array_contains(chosen.evidence, 'addresses_asker') then 'mention'
            else 'evidence'
        end as answer_rule,
        cast(chosen.score as double) as answer_score,
        chosen.evidence as answer_evidence,
        answers.user_id as answerer_user_id,
        chosen.first_answered_at as answered_at,
        {{ seconds_between('questions.sent_at', 'chosen.first_answered_at') }} as response_seconds,
        case
            when answers.message_id is null then null
            when answers.role in ('instructor', 'ta') then answers.role
            else 'peer'
        end as answer_source,
        repeats.question_id is not null as is_repeated,
        chosen.answer_id is null as is_unanswered,
        questions.landed_at
    from questions
    left join chosen on questions.message_id = chosen.question_id
    left join messages as answers on chosen.answer_id = answers.message_id
    left join repeats on questions.message_id = repeats.question_id

)

select * from final
