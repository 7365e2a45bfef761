"""The most frequent terms of each session's questions (tokenising lives in classchat/topics.py).

A course's optional glossary, raw/<course>/glossary.terms under the data directory
($CLASSCHAT_DATA_DIR, as for the rest of the build), keeps its terms whole; a changed
glossary applies to sessions built from then on (`classchat build --full-refresh` for all).

Incremental by session like the other per-session marts: a run tokenises only
the questions of sessions landed since the newest one this table holds.
"""

import os
from pathlib import Path

import polars as pl


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="session_id", incremental_strategy="delete+insert")
    from classchat.topics import read_glossary, top_terms

    raw = Path(os.environ.get("CLASSCHAT_DATA_DIR", "data")) / "raw"

    questions = dbt.ref("messages").filter("is_question")
    if dbt.is_incremental:
        newest = session.sql(f"select max(landed_at) from {dbt.this}").fetchall()[0][0]
        if newest is not None:
            questions = questions.filter(f"landed_at > timestamp '{newest}'")
    frame = questions.project("session_id, course_id, seq, body, landed_at").order("session_id, seq").pl()
    rows = []
    glossaries = {}
    for (session_id, course_id), group in frame.group_by(["session_id", "course_id"], maintain_order=True):
        landed_at = group["landed_at"].max()
        if course_id not in glossaries:
            glossaries[course_id] = read_glossary(raw / course_id)
        for rank, (term, n) in enumerate(top_terms(group["body"].to_list(), glossary=glossaries[course_id]), 1):
            rows.append((session_id, course_id, rank, term, n, landed_at))
    return pl.DataFrame(
        rows,
        schema={
            "session_id": pl.String,
            "course_id": pl.String,
            "rank": pl.Int32,
            "term": pl.String,
            "n_questions": pl.Int64,
            "landed_at": pl.Datetime("us"),
        },
        orient="row",
    )
