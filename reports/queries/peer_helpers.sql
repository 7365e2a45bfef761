-- title: Students who helped classmates
-- description: The students whose messages answered other people's questions, most answers
--     first: how many answers, in how many sessions, and how quickly they came.
-- param: course (varchar, optional) a course id; leave empty for every course
-- param: limit (integer, default 50, 1..10000) at most this many people

-- Only peer answers count (answer_source = 'peer': the answerer was neither instructor nor
-- TA in that session). Without a roster a person is a display name within one course, so
-- the same student in two courses is listed twice.
with params as (

    select $course::varchar as course, $limit::integer as max_rows

),

answers as (

    select
        answers.course_id,
        answers.user_id,
        answers.session_id,
        questions.response_seconds,
    from messages as questions
    join messages as answers
        on questions.answered_by_message_id = answers.message_id
    cross join params
    where questions.is_question
        and questions.answer_source = 'peer'
        and (params.course is null or questions.course_id = params.course)

),

per_person as (

    select
        answers.course_id,
        answers.user_id,
        count(*) as n_answers,
        count(distinct answers.session_id) as n_sessions,
        median(answers.response_seconds) as median_response_seconds,
    from answers
    group by answers.course_id, answers.user_id

),

names as (

    select course_id, user_id, min(display_name) as display_name,
    from user_sessions
    group by course_id, user_id

)

select
    per_person.course_id,
    names.display_name,
    per_person.n_answers,
    per_person.n_sessions,
    per_person.median_response_seconds,
    per_person.user_id,
from per_person
left join names using (course_id, user_id)
order by per_person.n_answers desc, per_person.course_id, names.display_name, per_person.user_id
limit (select greatest(max_rows, 0) from params)
