"""The most frequent terms of each session's questions (tokenising lives in classchat/topics.py)."""

import polars as pl


def model(dbt, session):
    dbt.config(materialized="table")
    from classchat.topics import top_terms

    questions = (
        dbt.ref("messages")
        .filter("is_question")
        .project("session_id, course_id, seq, body")
        .order("session_id, seq")
        .pl()
    )
    rows = []
    for (session_id, course_id), group in questions.group_by(["session_id", "course_id"], maintain_order=True):
        for rank, (term, n) in enumerate(top_terms(group["body"].to_list()), 1):
            rows.append((session_id, course_id, rank, term, n))
    return pl.DataFrame(
        rows,
        schema={"session_id": pl.String, "course_id": pl.String, "rank": pl.Int32, "term": pl.String,
                "n_questions": pl.Int64},
        orient="row",
    )
