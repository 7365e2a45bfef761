"""Each participant of the attendance reports matched to a person of its course (classchat/people.py).

One row per (course, participant as written, e-mail): the roster or chat person it is, with the
rule, score and the name it matched, or unclaimed (user_id null: a person of its own, listed in
name_matches for staff to resolve with `aliases` in raw/roster.csv). The threshold is
classchat.people.MATCH_THRESHOLD (docs/attendance.md). A table rebuilt on every build: a new chat
or roster row can change a match.
"""

import polars as pl


def model(dbt, session):
    dbt.config(materialized="table")
    from classchat.people import Person, match_participant

    participants = (
        dbt.ref("stg_lake__attendance")
        .project("course_id, participant, display_name, original_name, email, landed_at")
        .pl()
        .group_by(["course_id", "participant", "display_name", "original_name", "email"], maintain_order=True)
        .agg(pl.col("landed_at").max())
        .sort(["course_id", "participant"], nulls_last=True)
    )
    roster = dbt.ref("stg_lake__roster").project(
        "course_id, left(md5('key:' || user_key), 16) as user_id, written_name, is_alias, email"
    ).pl()
    chat = (
        dbt.ref("int_messages_identified")
        .filter("message_kind != 'system'")
        .project("course_id, user_id, sender_name")
        .distinct()
        .pl()
    )
    people: dict[str, list] = {}
    emails: dict[str, dict[str, str]] = {}
    for r in roster.iter_rows(named=True):
        source = "roster_alias" if r["is_alias"] else "roster"
        people.setdefault(r["course_id"], []).append(Person(r["user_id"], r["written_name"], source))
        if r["email"]:
            emails.setdefault(r["course_id"], {})[r["email"]] = r["user_id"]
    for r in chat.iter_rows(named=True):
        people.setdefault(r["course_id"], []).append(Person(r["user_id"], r["sender_name"], "chat"))
    rows = []
    for r in participants.iter_rows(named=True):
        m = match_participant(
            [r["participant"], r["display_name"], r["original_name"]], r["email"],
            people.get(r["course_id"], []), emails.get(r["course_id"], {}),
        )
        rows.append((
            r["course_id"], r["participant"], r["display_name"], r["original_name"], r["email"], m.user_id,
            m.matched_name, m.source, m.rule, m.score, m.runner_up_score, m.user_id is not None, r["landed_at"],
        ))
    return pl.DataFrame(
        rows,
        schema={
            "course_id": pl.String, "participant": pl.String, "display_name": pl.String,
            "original_name": pl.String, "email": pl.String, "matched_user_id": pl.String,
            "matched_name": pl.String, "match_source": pl.String, "match_rule": pl.String,
            "match_score": pl.Float64, "runner_up_score": pl.Float64, "is_claimed": pl.Boolean,
            "landed_at": pl.Datetime("us"),
        },
        orient="row",
    )
