"""The stages of a classchat run, and the guarantees between them.

Owns the order (ingest -> dbt build -> checks), the data-directory lock that
keeps two runs apart, and the swap that makes a run all-or-nothing: dbt
builds into a scratch copy of the warehouse, the checks and the run record
are written into that copy, and only then does it replace `warehouse.duckdb`
(one atomic rename); a build whose models or tests fail never replaces it.
Each stage prints a short summary and raises `StageError` with a one-line
reason.
Heavy imports (dbt, Great Expectations) happen inside the stage that needs them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from classchat.config import WAREHOUSE_ENV, Paths, offline_environment
from classchat.provenance import (
    BuildPlan,
    RunRecord,
    build_fingerprint,
    input_files,
    lake_state,
    log_run,
    plan_build,
    record_built_from,
    record_rules_passed,
    rules_digest,
    rules_passed,
    store_run,
)

from classchat.pipeline_dbt import (  # noqa: F401 - FAULT_ENV, StageError and build_docs_site are used by cli and tests
    FAULT_ENV,
    StageError,
    _count_nodes,
    _dbt,
    _dbt_failure,
    build_docs_site,
    fault_point,
)

Say = Callable[[str], None]



QUARANTINE_ROUNDS = 2


class _Quarantine(Exception):
    def __init__(self, sessions: dict[str, str]) -> None:
        super().__init__(f"{len(sessions)} session(s) failed critical checks")
        self.sessions = sessions


def _quarantine_message(sessions: dict[str, str]) -> str:
    first = sorted(sessions)[0]
    more = f" and {len(sessions) - 1} more" if len(sessions) > 1 else ""
    return (
        f"published without {len(sessions)} quarantined session(s): {first}{more} failed critical checks "
        "(see ingested_files or the Data quality page); fix or remove the export to clear it"
    )

@contextlib.contextmanager
def data_dir_lock(paths: Paths) -> Iterator[None]:
    """Hold the data directory's lock, or fail at once if another run holds it. A data directory
    that does not exist is an error (a mistyped --data-dir must not leave an empty one behind)."""
    if not paths.data_dir.is_dir():
        raise StageError(
            f"no data directory at {paths.data_dir}: create it with exports in raw/<course>/, "
            "or run `classchat demo` to generate one"
        )
    fh = open(paths.lock, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise StageError(
                f"another classchat run ({holder}) is working on {paths.data_dir}; wait for it to finish"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        fh.close()


def ingest_stage(paths: Paths, *, say: Say = print, **options):
    """Land new or changed exports; returns the ingest report. `options` go to `ingest.ingest`
    (layout, prune, accept_shorter, verify, rebuild)."""
    from classchat.ingest import ingest

    try:
        report = ingest(paths, progress=say, **options)
    except (FileNotFoundError, ValueError) as exc:
        raise StageError(str(exc)) from None
    for line in report.summary_lines():
        say(line)
    return report


def scratch_path(paths: Paths) -> Path:
    """Where a run builds its copy of the warehouse before the swap."""
    return paths.warehouse.with_name(paths.warehouse.name + ".building")


def remove_dead_run_leftovers(paths: Paths) -> list[Path]:
    """Delete what a killed run can leave behind: the scratch warehouse, its WAL and DuckDB's spill
    folder beside it (`<scratch>.tmp/`, which can hold gigabytes), and half-written temporaries
    (classchat.files.atomic_path) in the data directory, the lake and the quality folder.
    Called under the data-directory lock, so no live run owns them. Returns what was removed."""
    scratch = scratch_path(paths)
    found = [p for p in (scratch, scratch.with_name(scratch.name + ".wal")) if p.exists()]
    spill = scratch.with_name(scratch.name + ".tmp")
    if spill.is_dir() and not spill.is_symlink():
        found.append(spill)
    for folder in (paths.data_dir, paths.lake, paths.quality):
        if folder.is_dir():
            found += [p for p in folder.glob(".*.tmp") if p.is_file()]
    for p in found:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return found


@contextlib.contextmanager
def scratch_warehouse(paths: Paths) -> Iterator[Path]:
    """A private copy of the warehouse to write; it replaces the live one (one rename) on a clean exit.

    The live warehouse is never opened for writing, so readers (the report) are
    never blocked and an interrupted stage leaves it exactly as it was.
    """
    scratch = scratch_path(paths)
    _remove_database(scratch)
    if paths.warehouse.exists():
        shutil.copyfile(paths.warehouse, scratch)
    try:
        yield scratch
        fault_point("before_swap")
        os.replace(scratch, paths.warehouse)
        fault_point("after_swap")
    finally:
        _remove_database(scratch)


def build_stage(
    paths: Paths,
    warehouse: Path,
    *,
    full_refresh: bool = True,
    changed_since: datetime | None = None,
    pending_sessions: list[str] | None = None,
    unit_tests: bool = True,
    verbose: bool = False,
    say: Say = print,
) -> None:
    """Run `dbt build` (models and tests) into `warehouse`, a scratch copy; raise if anything failed.

    dbt's unit tests (the text rules on fixed examples, about 1 s each) run with a full build
    when `unit_tests` is true; they depend only on the dbt project and the engine, so the caller
    skips them once they passed for this model version on this machine (provenance.rules_passed).

    Incremental (full_refresh False): the per-session models add the sessions
    landed since the newest they hold and every session in `pending_sessions`
    (what the warehouse lacks, from `plan_build`); with `changed_since`, dbt's
    data tests look only at rows landed since then.
    """
    if not paths.files_manifest.exists():
        raise StageError(f"nothing to build: no lake at {paths.lake}; run `classchat ingest` first")
    if not any(paths.lake_messages.glob("*/*.parquet")):
        raise StageError(
            f"nothing to build: no messages have landed; put exports in {paths.raw}/<course>/ and run ingest"
        )
    offline_environment(paths.data_dir)
    started = time.perf_counter()
    os.environ[WAREHOUSE_ENV] = str(warehouse)
    try:
        args = ["build"]
        if full_refresh:
            args.append("--full-refresh")
        if not (full_refresh and unit_tests):
            # the rules' unit tests: with a full build, until they passed for this model version
            args += ["--exclude-resource-type", "unit_test"]
        _set_test_scope(warehouse, None if full_refresh else changed_since, [] if full_refresh else pending_sessions)
        results = _dbt(paths, args, verbose=verbose, say=say)
    finally:
        os.environ.pop(WAREHOUSE_ENV, None)
    if not results.success:
        raise StageError(_dbt_failure(results))
    mode = "full" if full_refresh else "incremental"
    say(f"build ({mode}): {_count_nodes(results)} in {time.perf_counter() - started:.1f} s")


def check_stage(
    paths: Paths, warehouse: Path, *, since: datetime | None = None, checker=None, spark=None, say: Say = print
):
    """Validate the marts of `warehouse` with the GX suites and store the results in it as `quality_results`.

    With `spark` (the session of a Spark build), the suites validate Spark's marts where they are
    (GX's Spark data source); the results are stored in `warehouse` all the same.

    With `checker` (a CheckerProcess) the suites run in that process, which
    has imported Great Expectations while dbt was building. Returns the report (or
    its outcome); the caller decides what a failed critical expectation means.
    """
    if not warehouse.exists():
        raise StageError(f"nothing to check: no warehouse at {paths.warehouse}; run `classchat build` first")
    offline_environment(paths.data_dir)
    from classchat.expectations.runner import CheckError, run_checks

    started = time.perf_counter()
    try:
        if spark is not None:
            report = run_checks(warehouse, paths.quality, spark=spark)
        elif checker is not None:
            report = checker.run(warehouse, paths.quality, since)
        else:
            report = run_checks(warehouse, paths.quality, since=since)
    except CheckError as exc:
        raise StageError(f"checks could not run: {exc}") from None
    _store_check_rows(warehouse, report.rows())
    for line in report.summary_lines():
        say(line)
    say(f"check: results in {paths.quality} ({time.perf_counter() - started:.1f} s)")
    return report


def run_stages(
    paths: Paths,
    command: str,
    *,
    ingest: bool = False,
    build: bool = False,
    check: bool = False,
    full_refresh: bool = False,
    engine: str = "duckdb",
    verbose: bool = False,
    say: Say = print,
    **ingest_options,
) -> RunRecord:
    """Run the chosen stages under the data-directory lock and record the run.

    Build and check write one scratch copy of the warehouse, swapped in once at
    the end: after a failed build the warehouse is as it was; after failed
    checks the new warehouse is kept (so staff can see what failed) and the
    run still ends in StageError. Every run is appended to runs.jsonl, and
    runs that produced a warehouse are in its `runs` table.

    What to build comes from comparing the lake's manifest with the record of
    what the live warehouse was built from (`plan_build`), never from what this
    run happened to land: after a killed or failed run the next one builds
    whatever the warehouse lacks. Builds are incremental unless asked for a full
    refresh, the models, roster or parser changed (the fingerprint), a session
    left the lake, or there is no warehouse yet. A `run` whose warehouse already
    holds every landed export stops after ingest. Leftovers of dead runs are
    removed when the lock is taken.
    """
    if build and engine == "spark":  # before anything is landed or created: say what the engine lacks
        from classchat.pipeline_spark import spark_missing

        if missing := spark_missing():
            raise StageError(f"the Spark engine needs {missing}")
    run = RunRecord(command)
    with data_dir_lock(paths):
        try:
            remove_dead_run_leftovers(paths)
            if ingest:
                ingest_stage(paths, say=say, **ingest_options)
                fault_point("after_ingest")
            from classchat.ingest.parse import PARSER_VERSION  # here: Polars loads only when a stage runs

            fingerprint = build_fingerprint(paths, PARSER_VERSION)
            if build:
                run.build_fingerprint = fingerprint
            plan = plan_build(paths, fingerprint, full_refresh=full_refresh)
            # the rules' unit tests already passed for this model version on this machine
            rules = rules_digest() if build else None
            rules_tested = build and rules_passed(rules)
            if ingest and build and plan.up_to_date:
                ensure_pseudonymous(paths, say=say)
                run.finish("success", "nothing new: the warehouse is up to date")
                say(f"{command}: nothing new to build or check; the warehouse is up to date")
                return run
            if build or check:
                quarantined: dict[str, str] = {}
                for round_ in range(QUARANTINE_ROUNDS + 1):
                    state = lake_state(paths)  # one read of the manifest: what this build holds
                    run.input_files = input_files(state)
                    since = plan.since if build and not plan.full and engine == "duckdb" else None
                    try:
                        spark = None  # the session of a Spark build: the checks validate its marts there
                        checker_wanted = build and check and engine == "duckdb"
                        with scratch_warehouse(paths) as warehouse, _checker(paths, checker_wanted) as checker:
                            if build and engine == "spark":
                                from classchat.pipeline_spark import build_stage as spark_build_stage

                                say("build: on Spark, every model (Spark's tables are rebuilt whole)")
                                spark = spark_build_stage(paths, warehouse, verbose=verbose, say=say)
                                record_built_from(warehouse, state)
                                fault_point("after_build")
                            elif build:
                                _say_plan(plan, say)
                                build_stage(
                                    paths, warehouse, full_refresh=plan.full, changed_since=since,
                                    pending_sessions=plan.pending_sessions, unit_tests=not rules_tested,
                                    verbose=verbose, say=say,
                                )
                                if plan.full and not rules_tested:  # they ran with this build, and passed
                                    record_rules_passed(rules)
                                    rules_tested = True
                                record_built_from(warehouse, state)
                                fault_point("after_build")
                            report = (
                                check_stage(paths, warehouse, since=since, checker=checker, spark=spark, say=say)
                                if check else None
                            )
                            fault_point("after_check")
                            failing = report.failing_sessions() if build and report and not report.success else {}
                            if failing and round_ < QUARANTINE_ROUNDS:
                                raise _Quarantine(failing)  # leaves the scratch copy unpublished
                            failure = None if report is None or report.success else report.failure_message()
                            if failure:
                                run.finish("checks_failed", failure)
                            elif quarantined:
                                run.finish("quarantined", _quarantine_message(quarantined))
                            else:
                                run.finish("success")
                            store_run(warehouse, run)
                    except _Quarantine as q:
                        from classchat.ingest.land import quarantine_sessions

                        quarantine_sessions(paths, q.sessions)
                        quarantined.update(q.sessions)
                        for session, why in sorted(q.sessions.items()):
                            say(f"QUARANTINED session {session}: failed {why}")
                        say("rebuilding without the quarantined session(s); every other session is published")
                        plan = plan_build(paths, fingerprint)
                        continue
                    break
                if build:
                    ensure_pseudonymous(paths, say=say)
                if run.outcome != "success":
                    raise StageError(run.detail)
            else:
                run.finish("success")
        except (StageError, KeyboardInterrupt) as exc:
            if run.outcome == "running":
                run.finish("failed", str(exc) or type(exc).__name__)
            raise
        finally:
            log_run(paths, run)
            if run.outcome != "running":
                say(f"{command}: run {run.run_id} {run.outcome}")
    return run


def ensure_pseudonymous(paths: Paths, *, say: Say = print, force: bool = False) -> bool:
    """Publish the pseudonymous twin of the live warehouse (classchat.pseudonymise) when it is
    missing or older than the warehouse, if pseudonymous mode is in use here: asked for now
    ($CLASSCHAT_PRIVACY / --privacy), or a twin exists from before. `force`: whatever the mode.
    Called under the data-directory lock after every publish, and by the readers in pseudonymous
    mode before they open it. Returns whether it wrote the twin."""
    from classchat.pseudonymise import PseudonymiseError, needs_publish, publish_pseudonymous
    from classchat.reports.privacy import privacy_mode

    twin = paths.pseudonymous_warehouse
    wanted = force or privacy_mode() == "pseudonymous" or twin.exists()
    if not wanted or not needs_publish(paths.warehouse, twin):
        return False
    started = time.perf_counter()
    try:
        publish_pseudonymous(paths.data_dir, paths.warehouse, twin)
    except PseudonymiseError as exc:
        raise StageError(f"pseudonymous warehouse not written: {exc}") from None
    say(f"privacy: pseudonymous warehouse written ({time.perf_counter() - started:.1f} s)")
    return True


def prepare_readers(paths: Paths, say: Say = print) -> None:
    """Before a reader (report, export, query) opens the warehouse in pseudonymous mode: publish the
    pseudonymous twin if it is missing or stale (under the lock; a no-op in named mode)."""
    from classchat.pseudonymise import needs_publish
    from classchat.reports.privacy import privacy_mode

    if privacy_mode() != "pseudonymous" or not paths.warehouse.exists():
        return
    if needs_publish(paths.warehouse, paths.pseudonymous_warehouse):
        with data_dir_lock(paths):
            ensure_pseudonymous(paths, say=say, force=True)


def run_all(
    paths: Paths, *, full_refresh: bool = False, engine: str = "duckdb", verbose: bool = False, say: Say = print,
    **ingest_options,
) -> RunRecord:
    """The main job: ingest new or changed files, build (on `engine`), check. `ingest_options` as for
    `ingest_stage`."""
    return run_stages(
        paths, "run", ingest=True, build=True, check=True, full_refresh=full_refresh, engine=engine,
        verbose=verbose, say=say, **ingest_options,
    )


def _store_check_rows(warehouse: Path, rows: list[dict]) -> None:
    """Keep the latest check results as the table `quality_results` in the warehouse."""
    import duckdb

    columns = ["checked_at", "suite", "expectation", "column", "success", "severity", "observed", "description"]
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "create or replace table quality_results (checked_at timestamptz, suite varchar, expectation varchar, "
            "column_name varchar, success boolean, severity varchar, observed varchar, description varchar)"
        )
        if rows:  # one insert of eight lists (executemany costs milliseconds a row)
            types = ["timestamptz", "varchar", "varchar", "varchar", "boolean", "varchar", "varchar", "varchar"]
            con.execute(
                "insert into quality_results select " + ", ".join(f"unnest(?::{t}[])" for t in types),
                [[row[c] for row in rows] for c in columns],
            )
    finally:
        con.close()


@contextlib.contextmanager
def _checker(paths: Paths, wanted: bool):
    """A checker process that imports Great Expectations while dbt builds (see CheckerProcess)."""
    if not wanted:
        yield None
        return
    from classchat.expectations.checker import CheckerProcess

    offline_environment(paths.data_dir)  # inherited by the process: no usage statistics
    checker = CheckerProcess()
    try:
        yield checker
    finally:
        checker.close()


def _say_plan(plan: BuildPlan, say: Say) -> None:
    if plan.full:
        say(f"build: full ({plan.reason})")
    elif plan.pending_sessions:
        say(f"build: incremental, {len(plan.pending_sessions)} session(s) to add ({plan.reason})")


def _set_test_scope(warehouse: Path, changed_since: datetime | None, pending: list[str] | None) -> None:
    """Tell dbt which rows to look at (see `on-run-start` in dbt_project.yml): data tests look at rows
    landed since `changed_since`; incremental models add the sessions in `pending`."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create table if not exists main._classchat_scope (changed_since timestamp)")
        con.execute("delete from main._classchat_scope")
        if changed_since is not None:
            con.execute("insert into main._classchat_scope values (?)", [changed_since])
        con.execute("create or replace table main._classchat_pending (session_id varchar)")
        if pending:  # one insert of a list (executemany costs milliseconds a row)
            con.execute("insert into main._classchat_pending select unnest(?::varchar[])", [list(pending)])
    finally:
        con.close()


def _remove_database(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
