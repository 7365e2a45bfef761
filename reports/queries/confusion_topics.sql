-- title: Top confusion topics of a course
-- description: The terms students' questions were most about, across all sessions of a
--     course: in how many questions and sessions each term came up, when it was first and
--     last asked about, and the earliest question that mentions it.
-- param: course (varchar, required) the course id, e.g. dl101
-- param: limit (integer, default 20, 1..1000) at most this many terms

-- Terms come from the question_topics mart (up to 10 top terms per session; jieba for
-- Chinese, words without stop words for English; classchat/topics.py).
with params as (

    select $course::varchar as course, $limit::integer as max_rows

),

topics as (

    select question_topics.*, sessions.session_date,
    from question_topics
    join sessions using (session_id)
    cross join params
    where question_topics.course_id = params.course

),

terms as (

    select
        term,
        sum(n_questions) as n_questions,
        count(distinct session_id) as n_sessions,
        min(rank) as best_rank,
        min(session_date) as first_asked_on,
        max(session_date) as last_asked_on,
    from topics
    group by term

),

-- the course's earliest question containing the term (case-insensitive)
examples as (

    select
        terms.term,
        arg_min(messages.body, (messages.sent_at, messages.message_id)) as question,
    from terms
    join messages
        on contains(lower(messages.body), lower(terms.term))
    cross join params
    where messages.course_id = params.course
        and messages.is_question
    group by terms.term

)

select
    row_number() over (order by terms.n_questions desc, terms.n_sessions desc, terms.term) as rank,
    terms.term,
    terms.n_questions,
    terms.n_sessions,
    terms.best_rank,
    terms.first_asked_on,
    terms.last_asked_on,
    examples.question,
from terms
left join examples using (term)
order by rank
limit (select greatest(max_rows, 0) from params)
