"""The Python functions the dbt models call as SQL functions, the same on DuckDB and on Spark.

Two steps of the build are Python, not SQL: cutting a session's questions into topic terms (jieba;
classchat.topics) and matching attendance-report names to people (rapidfuzz; classchat.people).
They used to be dbt Python models, which only dbt-duckdb runs (dbt-spark's `session` method has no
Python models). Now each is one SQL model (marts/question_topics.sql,
intermediate/int_attendance_people.sql) that gathers its input per session or per course into lists
and calls one function of this module, registered on each engine under the name in `FUNCTIONS`:

- DuckDB: by the dbt-duckdb plugin classchat.dbt_plugin (profiles.yml, `plugins`), on every
  connection dbt opens;
- Spark: by classchat.pipeline_spark.start_session, as Python UDFs of the session.

Each function takes and returns plain Python lists and dicts (the engines' LIST/ARRAY and STRUCT), is
deterministic whatever the order of its input lists (the engines do not promise one), and returns one
output per input row, so that no row is lost on the way. Core module: imports only core modules.
"""

from __future__ import annotations

import os
from pathlib import Path

from classchat.people import Person, match_participant
from classchat.topics import read_glossary, top_terms

_SOURCE_ORDER = {"roster": 0, "roster_alias": 1, "chat": 2}


def session_top_terms(bodies: list[str] | None, course_id: str | None) -> list[dict]:
    """The top terms of one session's questions (`bodies`, in the order asked), with the course's
    glossary (raw/<course>/glossary.terms under $CLASSCHAT_DATA_DIR, as the build reads it):
    [{rank, term, n_questions}], rank 1 first."""
    glossary = frozenset()
    if course_id:
        glossary = read_glossary(Path(os.environ.get("CLASSCHAT_DATA_DIR", "data")) / "raw" / course_id)
    ranked = top_terms([b for b in bodies or [] if b is not None], glossary=glossary)
    return [{"rank": rank, "term": term, "n_questions": n} for rank, (term, n) in enumerate(ranked, 1)]


def course_participant_matches(
    participants: list[dict] | None, people: list[dict] | None, emails: list[dict] | None
) -> list[dict]:
    """Every participant of one course's attendance reports matched to a person of the course
    (classchat.people.match_participant). `participants`: [{n, forms, email}] (n: a key the caller
    joins back on; forms: the participant as written, display name, original name); `people`:
    [{user_id, name, source}] from the roster and the chat; `emails`: [{email, user_id}] from the
    roster. One result per participant: [{n, matched_user_id, matched_name, match_source,
    match_rule, match_score, runner_up_score}].

    The candidates are taken in one fixed order (roster names, then aliases, then chat names; by
    user and name within each), so that when two names of one person score alike the same one is
    reported on every engine."""
    candidates = [
        Person(p["user_id"], p["name"], p["source"])
        for p in sorted(people or [], key=lambda p: (_SOURCE_ORDER.get(p["source"], 9), p["user_id"], p["name"] or ""))
        if p["user_id"] is not None and p["name"] is not None
    ]
    by_email = {e["email"]: e["user_id"] for e in sorted(emails or [], key=lambda e: (e["email"] or "", e["user_id"] or ""))
                if e["email"]}
    out = []
    for p in participants or []:
        m = match_participant(p["forms"] or [], p["email"], candidates, by_email)
        out.append({
            "n": p["n"], "matched_user_id": m.user_id, "matched_name": m.matched_name, "match_source": m.source,
            "match_rule": m.rule, "match_score": m.score, "runner_up_score": m.runner_up_score,
        })
    return out


# name in SQL -> (function, argument types, result type), in one notation both engines' registrations
# translate: "varchar", "bigint", "double", ["list", T], ["struct", {field: T}]
_TOPIC = ["struct", {"rank": "integer", "term": "varchar", "n_questions": "bigint"}]
_PARTICIPANT = ["struct", {"n": "bigint", "forms": ["list", "varchar"], "email": "varchar"}]
_PERSON = ["struct", {"user_id": "varchar", "name": "varchar", "source": "varchar"}]
_EMAIL = ["struct", {"email": "varchar", "user_id": "varchar"}]
_MATCH = ["struct", {
    "n": "bigint", "matched_user_id": "varchar", "matched_name": "varchar", "match_source": "varchar",
    "match_rule": "varchar", "match_score": "double", "runner_up_score": "double",
}]
FUNCTIONS = {
    "classchat_session_top_terms": (session_top_terms, [["list", "varchar"], "varchar"], ["list", _TOPIC]),
    "classchat_course_participant_matches": (
        course_participant_matches, [["list", _PARTICIPANT], ["list", _PERSON], ["list", _EMAIL]], ["list", _MATCH],
    ),
}


def duckdb_type(spec):
    """A type of the notation above as a DuckDB type."""
    import duckdb

    if isinstance(spec, str):
        return duckdb.sqltype(spec)
    kind, inner = spec
    if kind == "list":
        return duckdb.list_type(duckdb_type(inner))
    return duckdb.struct_type({name: duckdb_type(t) for name, t in inner.items()})


def spark_type(spec):
    """A type of the notation above as a Spark SQL type."""
    from pyspark.sql import types as T

    if isinstance(spec, str):
        return {"varchar": T.StringType(), "bigint": T.LongType(), "integer": T.IntegerType(),
                "double": T.DoubleType()}[spec]
    kind, inner = spec
    if kind == "list":
        return T.ArrayType(spark_type(inner))
    return T.StructType([T.StructField(name, spark_type(t)) for name, t in inner.items()])


def register_duckdb(con) -> None:
    """Register FUNCTIONS on a DuckDB connection (nulls are passed in: the functions handle them)."""
    from duckdb.func import SPECIAL

    for name, (func, args, result) in FUNCTIONS.items():
        con.create_function(name, func, [duckdb_type(a) for a in args], duckdb_type(result),
                            null_handling=SPECIAL)  # an exception fails the query (the default)


def register_spark(session) -> None:
    """Register FUNCTIONS as Python UDFs of a Spark session."""
    for name, (func, _args, result) in FUNCTIONS.items():
        session.udf.register(name, func, spark_type(result))
