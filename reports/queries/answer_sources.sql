-- title: Instructor vs peer answers
-- description: Who answers the questions in each course: answers by the instructor, a TA
--     or a peer (another student), with their share, how many different people gave them
--     and how fast they came.
-- param: course (varchar, optional) a course id; leave empty for every course

-- Every course gets all three rows (zeros included) so courses compare side by side.
-- answer_source is decided in the warehouse from the answerer's role in the session.
with params as (

    select $course::varchar as course

),

sources as (

    select t.source_order, t.answer_source
    from (values (1, 'instructor'), (2, 'ta'), (3, 'peer')) as t (source_order, answer_source)

),

answered as (

    select
        questions.course_id,
        questions.answer_source,
        questions.response_seconds,
        answers.user_id as answerer_id,
    from messages as questions
    join messages as answers
        on questions.answered_by_message_id = answers.message_id
    cross join params
    where questions.is_question
        and questions.answer_source is not null
        and (params.course is null or questions.course_id = params.course)

),

per_source as (

    select
        course_id,
        answer_source,
        count(*) as n_answers,
        count(distinct answerer_id) as n_answerers,
        median(response_seconds) as median_response_seconds,
    from answered
    group by course_id, answer_source

),

grid as (

    select courses.course_id, sources.source_order, sources.answer_source,
    from courses
    cross join sources
    cross join params
    where params.course is null or courses.course_id = params.course

)

select
    grid.course_id,
    grid.answer_source,
    coalesce(per_source.n_answers, 0) as n_answers,
    round(
        coalesce(per_source.n_answers, 0)
        / nullif(sum(coalesce(per_source.n_answers, 0)) over (partition by grid.course_id), 0),
        4
    ) as share,
    coalesce(per_source.n_answerers, 0) as n_answerers,
    per_source.median_response_seconds,
from grid
left join per_source using (course_id, answer_source)
order by grid.course_id, grid.source_order
