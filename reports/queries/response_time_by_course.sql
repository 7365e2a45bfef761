-- title: Response time by course
-- description: How fast questions were answered in each course and by whom: questions,
--     answered share, median and 90th-percentile seconds to the answer, and the shares of
--     answers that came from the instructor, a TA or a peer.
-- param: course (varchar, optional) a course id; leave empty for every course

-- Medians and percentiles are over answered questions only (continuous quantiles, as in
-- the courses mart). A course without questions shows nulls, not zeros.
with params as (

    select $course::varchar as course

),

questions as (

    select messages.*,
    from messages, params
    where messages.is_question
        and (params.course is null or messages.course_id = params.course)

),

per_course as (

    select
        course_id,
        count(*) as n_questions,
        count(*) filter (where not is_unanswered) as n_answered,
        median(response_seconds) as median_response_seconds,
        quantile_cont(response_seconds, 0.9) as p90_response_seconds,
        count(*) filter (where answer_source = 'instructor') as n_by_instructor,
        count(*) filter (where answer_source = 'ta') as n_by_ta,
        count(*) filter (where answer_source = 'peer') as n_by_peer,
    from questions
    group by course_id

)

select
    courses.course_id,
    courses.n_sessions,
    coalesce(per_course.n_questions, 0) as n_questions,
    coalesce(per_course.n_answered, 0) as n_answered,
    round(per_course.n_answered / nullif(per_course.n_questions, 0), 4) as answered_share,
    per_course.median_response_seconds,
    per_course.p90_response_seconds,
    round(per_course.n_by_instructor / nullif(per_course.n_answered, 0), 4) as instructor_share,
    round(per_course.n_by_ta / nullif(per_course.n_answered, 0), 4) as ta_share,
    round(per_course.n_by_peer / nullif(per_course.n_answered, 0), 4) as peer_share,
from courses
cross join params
left join per_course using (course_id)
where params.course is null or courses.course_id = params.course
order by courses.course_id
