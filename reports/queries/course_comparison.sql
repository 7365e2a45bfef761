-- title: Courses side by side
-- description: One row per course for a programme coordinator: sessions and their span,
--     participants, messages and questions per session, answered share, median response,
--     inequality of participation and tech trouble per session.

-- All figures come from the courses mart (per-session figures are means over the
-- course's sessions; answered share and median response are over all its questions).
select
    course_id,
    n_sessions,
    first_session_date,
    last_session_date,
    n_participants,
    round(participants_per_session, 2) as participants_per_session,
    round(messages_per_session, 2) as messages_per_session,
    round(questions_per_session, 2) as questions_per_session,
    round(answered_share, 4) as answered_share,
    median_response_seconds,
    round(participation_gini, 4) as participation_gini,
    round(mean_session_gini, 4) as mean_session_gini,
    round(n_tech_issues / n_sessions, 2) as tech_issues_per_session,
from courses
order by course_id
