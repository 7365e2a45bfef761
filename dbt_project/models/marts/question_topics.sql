-- The most frequent terms of each session's questions: the session's question bodies, in the
-- order asked, go to the SQL function classchat_session_top_terms (classchat/functions.py, which
-- cuts them with classchat/topics.py: jieba for Chinese, words for English, the course's glossary
-- raw/<course>/glossary.terms kept whole). The same Python on DuckDB and on Spark.
-- Incremental by session on DuckDB, like the other per-session marts; a changed glossary applies
-- to sessions built from then on (`classchat build --full-refresh` for all).
with questions as (

    select
        session_id,
        course_id,
        {{ list_agg('body', 'seq') }} as bodies,
        max(landed_at) as landed_at
    from {{ ref('messages') }}
    where is_question
    {{ only_new_sessions(keyword='and') }}
    group by session_id, course_id

),

topics as (

    select
        session_id,
        course_id,
        landed_at,
        {{ explode_list('classchat_session_top_terms(bodies, course_id)') }} as topic
    from questions

)

select
    session_id,
    course_id,
    cast(topic.rank as integer) as rank,
    topic.term,
    cast(topic.n_questions as bigint) as n_questions,
    landed_at
from topics
