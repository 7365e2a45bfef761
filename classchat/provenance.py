"""Provenance: which run, with which code and which input files, produced the warehouse.

Owns the `runs` table of the warehouse and the log `runs.jsonl` in the data
directory. Every `classchat run` (and each single stage) records one row:
run id, start and end, outcome, the versions of classchat, dbt, DuckDB,
Polars and Great Expectations, and the sha256 of every landed input file, so
a figure in a staff report can name the run it came from and be reproduced.
The warehouse keeps the runs whose results it holds; runs.jsonl keeps every
run, failed ones included (a failed build leaves the warehouse as it was).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from classchat import __version__
from classchat.config import Paths

# "The latest run" everywhere (the pipeline, the report, queries, exports): the one that ended last;
# ties go to the later start, then to the run id.
LATEST_FIRST = "ended_at desc nulls last, started_at desc nulls last, run_id desc"

PACKAGES = {"dbt": "dbt-core", "duckdb": "duckdb", "polars": "polars", "great_expectations": "great_expectations"}

RUNS_DDL = """
create table if not exists runs (
    run_id varchar primary key,
    command varchar,
    started_at timestamp,
    ended_at timestamp,
    outcome varchar,
    detail varchar,
    classchat_version varchar,
    dbt_version varchar,
    duckdb_version varchar,
    polars_version varchar,
    great_expectations_version varchar,
    n_input_files integer,
    inputs_sha256 varchar,
    input_files struct(source_file varchar, sha256 varchar)[],
    build_fingerprint varchar
)
"""


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    return {"classchat": __version__, **{key: _version(dist) for key, dist in PACKAGES.items()}}


@dataclass
class RunRecord:
    command: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    ended_at: datetime | None = None
    outcome: str = "running"  # success | quarantined (published without some sessions) | failed | checks_failed
    detail: str | None = None
    versions: dict[str, str] = field(default_factory=versions)
    input_files: list[dict[str, str]] = field(default_factory=list)
    build_fingerprint: str | None = None  # set when the run built the warehouse (see build_fingerprint())

    @property
    def inputs_sha256(self) -> str:
        """One digest over the (path, sha256) pairs of the inputs: equal digests, equal inputs."""
        import hashlib

        h = hashlib.sha256()
        for f in sorted(self.input_files, key=lambda f: f["source_file"]):
            h.update(f"{f['source_file']}\0{f['sha256']}\n".encode())
        return h.hexdigest()

    def finish(self, outcome: str, detail: str | None = None) -> RunRecord:
        self.ended_at = datetime.now().replace(microsecond=0)
        self.outcome, self.detail = outcome, detail
        return self


def input_files(state: list[dict]) -> list[dict[str, str]]:
    """(source_file, sha256) of every landed export of a `lake_state`: a run's inputs."""
    return [{"source_file": r["source_file"], "sha256": r["sha256"]} for r in state]


def log_run(paths: Paths, run: RunRecord) -> None:
    """Append the run to <data_dir>/runs.jsonl (every run, whatever its outcome)."""
    row = asdict(run) | {"inputs_sha256": run.inputs_sha256, "n_input_files": len(run.input_files)}
    row.pop("input_files")
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    with open(paths.data_dir / "runs.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")


def store_run(warehouse: Path, run: RunRecord) -> None:
    """Insert the run into the warehouse's `runs` table (the caller holds the warehouse exclusively)."""
    import duckdb

    v = run.versions
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(RUNS_DDL)
        con.execute("alter table runs add column if not exists build_fingerprint varchar")
        con.execute(
            "insert or replace into runs by name select ? as run_id, ? as command, ? as started_at, "
            "? as ended_at, ? as outcome, ? as detail, ? as classchat_version, ? as dbt_version, "
            "? as duckdb_version, ? as polars_version, ? as great_expectations_version, "
            "? as n_input_files, ? as inputs_sha256, ? as input_files, ? as build_fingerprint",
            [
                run.run_id, run.command, run.started_at, run.ended_at, run.outcome, run.detail,
                v["classchat"], v["dbt"], v["duckdb"], v["polars"], v["great_expectations"],
                len(run.input_files), run.inputs_sha256, run.input_files, run.build_fingerprint,
            ],
        )
    finally:
        con.close()


def build_fingerprint(paths: Paths, parser_version: int) -> str:
    """A digest of everything that shapes the marts besides new exports: the dbt project, the
    topic tokeniser, the name matcher, the parser version (given by the caller: core imports no stage),
    the landed roster and the attendance reports' manifest. When it changes, the next build is a full refresh instead of an incremental one."""
    import hashlib

    from classchat.config import PACKAGE_DIR

    h = hashlib.sha256(f"classchat {__version__} parser {parser_version}\n".encode())
    project_yml, *sources = _dbt_project_files()
    for name, path in [
        project_yml,
        ("classchat/topics.py", PACKAGE_DIR / "topics.py"),
        ("classchat/people.py", PACKAGE_DIR / "people.py"),
        *sources,
    ]:
        h.update(name.encode() + b"\0" + path.read_bytes())
    for name in ("roster.parquet", "attendance_files.parquet"):  # attendance reports: people and sessions change
        landed = paths.lake / name
        if landed.exists():
            h.update(name.encode() + b"\0" + landed.read_bytes())
    return h.hexdigest()


def _dbt_project_files() -> list[tuple[str, Path]]:
    """The dbt project's files that shape the marts (dbt_project.yml first, then models, macros and
    tests), each with its name relative to the project, so a checkout and an install digest alike."""
    from classchat.config import DBT_PROJECT_DIR

    sources = sorted(
        p for sub in ("models", "macros", "tests") for p in (DBT_PROJECT_DIR / sub).rglob("*") if p.is_file()
    )
    return [
        (f"dbt_project/{p.relative_to(DBT_PROJECT_DIR).as_posix()}", p)
        for p in [DBT_PROJECT_DIR / "dbt_project.yml", *sources]
    ]


# The rules' unit tests (dbt unit tests on fixed examples, about 15 s of a small build) depend on the dbt
# project and the engine only, never on the data: once they pass for a version, a marker named by its
# digest in the machine's cache (classchat.config.cache_dir) lets every data directory skip them.
RULES_TESTED_DIR = "rules-tested"


def rules_digest() -> str:
    """A digest of what the rules' unit tests depend on: the dbt project and the versions of dbt-core,
    dbt-duckdb and DuckDB that run them."""
    import hashlib

    h = hashlib.sha256(f"classchat {__version__}\n".encode())
    for dist in ("dbt-core", "dbt-duckdb", "duckdb"):
        h.update(f"{dist} {_version(dist)}\n".encode())
    for name, path in _dbt_project_files():
        h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def rules_passed(digest: str) -> bool:
    """Whether the rules' unit tests already passed on this machine for the model version `digest`."""
    from classchat.config import cache_dir

    return (cache_dir() / RULES_TESTED_DIR / digest).is_file()


def record_rules_passed(digest: str) -> None:
    """Remember that the unit tests passed for `digest`. Best effort: a cache that cannot be written
    only means the next full build runs them again."""
    from classchat.config import cache_dir

    folder = cache_dir() / RULES_TESTED_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / digest).write_text(f"classchat {__version__}\n", encoding="utf-8")
    except OSError:
        pass


def _read_if_recorded(warehouse: Path, sql: str) -> list[tuple] | None:
    """The rows of `sql` on the warehouse, read-only; None when there is no warehouse, it cannot be
    opened, or it has no such record (a table from an older classchat, or none)."""
    if not warehouse.exists():
        return None
    import duckdb

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.execute(sql).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()


def last_good_fingerprint(warehouse: Path) -> str | None:
    """The fingerprint of the warehouse's latest build, if that build succeeded; else None."""
    rows = _read_if_recorded(
        warehouse,
        "select build_fingerprint, outcome from runs where build_fingerprint is not null "
        f"order by {LATEST_FIRST} limit 1",
    )
    return rows[0][0] if rows and rows[0][1] in ("success", "quarantined") else None


# What the warehouse was built from: one row per landed export (path, sha256, session, landing time),
# written into the warehouse by the build that made it and published with it in the same rename.
BUILT_FROM_TABLE = "_classchat_built_from"


@dataclass
class BuildPlan:
    """What a build must do to make the warehouse match the lake (see `plan_build`)."""

    full: bool  # rebuild everything
    reason: str  # one line for the run output
    pending_sessions: list[str] = field(default_factory=list)  # sessions of the lake the warehouse lacks
    since: datetime | None = None  # earliest landing time among them (scope of dbt's data tests)

    @property
    def up_to_date(self) -> bool:
        return not self.full and not self.pending_sessions


def lake_state(paths: Paths) -> list[dict]:
    """(source_file, sha256, session_id, ingested_at) of every landed export in the committed manifest."""
    if not paths.files_manifest.exists():
        return []
    import polars as pl

    manifest = pl.read_parquet(
        paths.files_manifest, columns=["source_file", "sha256", "session_id", "ingested_at", "status"]
    )
    return manifest.filter(pl.col("status") == "landed").drop("status").to_dicts()


def record_built_from(warehouse: Path, state: list[dict]) -> None:
    """Store `state` (from `lake_state`) in the warehouse being built: what it now holds."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            f"create or replace table {BUILT_FROM_TABLE} (source_file varchar, sha256 varchar, "
            "session_id varchar, ingested_at timestamp)"
        )
        if state:  # one insert of four lists: executemany took ~2.5 ms a row (5 s at 2,000 exports)
            con.execute(
                f"insert into {BUILT_FROM_TABLE} select unnest(?::varchar[]), unnest(?::varchar[]), "
                "unnest(?::varchar[]), unnest(?::timestamp[])",
                [[r[c] for r in state] for c in ("source_file", "sha256", "session_id", "ingested_at")],
            )
    finally:
        con.close()


def built_from(warehouse: Path) -> list[dict] | None:
    """The lake state the warehouse was built from, or None if unknown (no warehouse, or one from
    before this record existed)."""
    rows = _read_if_recorded(warehouse, f"select source_file, sha256, session_id, ingested_at from {BUILT_FROM_TABLE}")
    if rows is None:
        return None
    return [dict(zip(("source_file", "sha256", "session_id", "ingested_at"), r, strict=True)) for r in rows]


def plan_build(paths: Paths, fingerprint: str, *, full_refresh: bool = False) -> BuildPlan:
    """Compare the lake's manifest with what the live warehouse was built from.

    Whatever happened to earlier runs (killed, failed, interrupted), the plan
    makes the next build converge to a clean build of the same lake:
    - full when asked, when there is no warehouse or no record of its inputs, when the
      models, roster or parser changed (the fingerprint), or when a session it holds
      is no longer in the lake (removed or renamed: incremental models only add);
    - otherwise incremental over every session whose export (path, sha256) it lacks.
    """
    if full_refresh:
        return BuildPlan(True, "full refresh asked for")
    held = built_from(paths.warehouse)
    if held is None:
        return BuildPlan(True, "no warehouse built from this lake yet")
    if last_good_fingerprint(paths.warehouse) != fingerprint:
        return BuildPlan(True, "the models, roster or parser changed since the last build")
    lake = lake_state(paths)
    lake_sessions = {r["session_id"] for r in lake}
    gone = sorted({r["session_id"] for r in held} - lake_sessions)
    if gone:
        return BuildPlan(True, f"{len(gone)} session(s) left the lake since the last build (e.g. {gone[0]})")
    have = {(r["source_file"], r["sha256"]) for r in held}
    missing = [r for r in lake if (r["source_file"], r["sha256"]) not in have]
    if not missing:
        return BuildPlan(False, "the warehouse holds every landed export")
    return BuildPlan(
        False,
        f"{len(missing)} landed export(s) not in the warehouse yet",
        pending_sessions=sorted({r["session_id"] for r in missing}),
        since=min(r["ingested_at"] for r in missing),
    )
