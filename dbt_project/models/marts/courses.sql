-- One row per course: the base of cross-course comparison. Per-session figures are
-- averages over the course's sessions; answered_share and median_response_seconds are
-- over all its questions; participation_gini is over people's message counts in the course.
with sessions as (

    select * from {{ ref('sessions') }}

),

messages as (

    select * from {{ ref('messages') }}
    where message_kind != 'system'

),

per_course as (

    select
        course_id,
        count(*) as n_sessions,
        min(session_date) as first_session_date,
        max(session_date) as last_session_date,
        cast(sum(n_messages) as bigint) as n_messages,
        cast(sum(n_questions) as bigint) as n_questions,
        cast(sum(n_unanswered_questions) as bigint) as n_unanswered_questions,
        avg(n_messages) as messages_per_session,
        avg(n_questions) as questions_per_session,
        avg(n_participants) as participants_per_session,
        avg(participation_gini) as mean_session_gini,
        cast(sum(n_tech_issues) as bigint) as n_tech_issues,
        max(landed_at) as landed_at,
        -- attendance reports (docs/attendance.md): over the sessions that have one; null without
        count(n_attendees) as n_sessions_with_attendance,
        avg(n_attendees) as attendees_per_session,
        avg(n_silent_attendees) as silent_attendees_per_session,
        avg(participation_rate) as participation_rate
    from sessions
    group by course_id

),

people as (

    select
        course_id,
        count(distinct user_id) as n_participants,
        median(response_seconds) as median_response_seconds
    from messages
    group by course_id

),

per_person as (

    select course_id, user_id, count(*) as n_messages
    from messages
    group by course_id, user_id

),

inequality as (

    {{ participation_inequality('per_person', 'course_id') }}

),

final as (

    select
        per_course.course_id,
        per_course.n_sessions,
        per_course.first_session_date,
        per_course.last_session_date,
        people.n_participants,
        per_course.n_messages,
        per_course.n_questions,
        per_course.n_unanswered_questions,
        per_course.messages_per_session,
        per_course.questions_per_session,
        per_course.participants_per_session,
        {{ answered_share('per_course.n_questions', 'per_course.n_unanswered_questions') }} as answered_share,
        people.median_response_seconds,
        coalesce(inequality.participation_gini, 0) as participation_gini,
        per_course.mean_session_gini,
        per_course.n_tech_issues,
        per_course.landed_at,
        per_course.n_sessions_with_attendance,
        per_course.attendees_per_session,
        per_course.silent_attendees_per_session,
        per_course.participation_rate
    from per_course
    left join people on per_course.course_id = people.course_id
    left join inequality on per_course.course_id = inequality.course_id

)

select * from final
