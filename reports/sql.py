"""SQL the report's pages and the HTML export share, so one figure is computed one way.

Owns the SQL fragments more than one reader needs. The answered share of a
session is the rule of the `courses` mart (dbt_project/models/marts/courses.sql,
`answered_share`: 1 - unanswered / questions, none without questions) applied
to one session; the Overview, the Course page and the export read it from
here. (The `sessions` mart does not carry it yet; when it does, this becomes
its column.)
"""

from __future__ import annotations

SESSION_ANSWERED_SHARE = "case when n_questions > 0 then 1 - n_unanswered_questions / n_questions end"
