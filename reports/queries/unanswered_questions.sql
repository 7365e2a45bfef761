-- title: Unanswered questions of a course
-- description: Questions nobody answered (or that the asker had to ask again), newest
--     session first and in chat order within a session: the list to follow up on.
-- param: course (varchar, required) the course id, e.g. dl101
-- param: limit (integer, default 200, 1..100000) at most this many rows

-- "Answered" is the warehouse's rule (docs/answers.md, docs/contract.md): the later message
-- with the strongest evidence within the dbt var answer_window_minutes, scoring at least
-- answer_threshold (weights: answer_weights; all in dbt_project/dbt_project.yml). A question
-- asked again shares the answer of its repeat when the repeat got one (docs/answers.md).
with params as (

    select $course::varchar as course, $limit::integer as max_rows

)

select
    sessions.session_date,
    messages.session_id,
    sessions.title,
    strftime(messages.sent_at, '%H:%M:%S') as asked_at,
    messages.sender_name as asker,
    messages.role,
    messages.body as question,
    messages.is_repeated_question as asked_again,
    messages.is_private,
    messages.message_id,
from messages
join sessions using (session_id)
cross join params  -- noqa: AL04
where messages.course_id = params.course
    and messages.is_question
    and messages.is_unanswered
order by sessions.session_date desc, messages.session_id desc, messages.seq
limit (select greatest(max_rows, 0) from params)
