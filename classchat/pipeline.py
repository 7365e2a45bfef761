"""The stages of a classchat run, and the guarantees between them.

Owns the order (ingest -> dbt build -> checks), the data-directory lock that
keeps two runs apart, and the swap that makes a build all-or-nothing: dbt
builds into a scratch copy of the warehouse, and only a build whose models and
tests all pass replaces `warehouse.duckdb` (one atomic rename). Each stage
returns a short summary and raises `StageError` with a one-line reason.
Heavy imports (dbt, Great Expectations) happen inside the stage that needs them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from classchat.config import DBT_PROJECT_DIR, WAREHOUSE_ENV, Paths, offline_environment

Say = Callable[[str], None]


class StageError(Exception):
    """A stage failed; the message is one line a user can act on."""


@contextlib.contextmanager
def data_dir_lock(paths: Paths) -> Iterator[None]:
    """Hold the data directory's lock, or fail at once if another run holds it."""
    paths.data_dir.mkdir(parents=True, exist_ok=True)
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


def ingest_stage(paths: Paths, *, layout: str | None = None, say: Say = print) -> None:
    from ingest import ingest

    try:
        report = ingest(paths, layout=layout, progress=say)
    except (FileNotFoundError, ValueError) as exc:
        raise StageError(str(exc)) from None
    for line in report.summary_lines():
        say(line)


def build_stage(paths: Paths, *, verbose: bool = False, say: Say = print) -> None:
    """Run `dbt build` into a scratch copy of the warehouse; swap it in only if everything passed."""
    if not paths.files_manifest.exists():
        raise StageError(f"nothing to build: no lake at {paths.lake}; run `classchat ingest` first")
    if not any(paths.lake_messages.glob("*/*.parquet")):
        raise StageError(
            f"nothing to build: no messages have landed; put exports in {paths.raw}/<course>/ and run ingest"
        )
    offline_environment(paths.data_dir)
    started = time.perf_counter()
    scratch = paths.warehouse.with_name(paths.warehouse.name + ".building")
    _remove_database(scratch)
    if paths.warehouse.exists():
        shutil.copyfile(paths.warehouse, scratch)
    os.environ[WAREHOUSE_ENV] = str(scratch)
    try:
        results = _dbt(paths, ["build"], verbose=verbose)
        if not results.success:
            raise StageError(_dbt_failure(results))
        os.replace(scratch, paths.warehouse)
    finally:
        os.environ.pop(WAREHOUSE_ENV, None)
        _remove_database(scratch)
    counts = _count_nodes(results)
    say(f"build: {counts} in {time.perf_counter() - started:.1f} s -> {paths.warehouse}")


def check_stage(paths: Paths, *, say: Say = print) -> None:
    """Validate the marts with the Great Expectations suites; fail on a critical expectation."""
    if not paths.warehouse.exists():
        raise StageError(f"nothing to check: no warehouse at {paths.warehouse}; run `classchat build` first")
    offline_environment(paths.data_dir)
    from expectations.runner import run_checks

    started = time.perf_counter()
    report = run_checks(paths.warehouse, paths.quality)
    _store_check_rows(paths.warehouse, report.rows())
    for line in report.summary_lines():
        say(line)
    say(f"check: results in {paths.quality} ({time.perf_counter() - started:.1f} s)")
    if not report.success:
        raise StageError(report.failure_message())


def run_all(paths: Paths, *, layout: str | None = None, verbose: bool = False, say: Say = print) -> None:
    with data_dir_lock(paths):
        ingest_stage(paths, layout=layout, say=say)
        build_stage(paths, verbose=verbose, say=say)
        check_stage(paths, say=say)


def _dbt(paths: Paths, args: list[str], *, verbose: bool):
    from dbt.cli.main import dbtRunner

    dbt_dir = paths.data_dir / ".dbt"
    cli = [
        *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(dbt_dir / "target"),
        "--log-path", str(dbt_dir / "logs"),
    ]
    if not verbose:
        cli.insert(0, "--quiet")
    res = dbtRunner().invoke(cli)
    if res.exception is not None:
        raise StageError(f"dbt could not run: {str(res.exception).splitlines()[0]}")
    return res


def _dbt_failure(res) -> str:
    """One line naming the first failed node and the most telling line of dbt's message."""
    for r in getattr(res.result, "results", None) or []:
        if str(r.status).lower() not in ("error", "fail"):
            continue
        plain = re.sub(r"\x1b\[[0-9;]*m", "", r.message or "")
        lines = [line.strip() for line in plain.splitlines() if line.strip()]
        detail = next((line for line in lines if "Error:" in line), lines[0] if lines else str(r.status))
        kind = str(r.node.resource_type).split(".")[-1].lower()
        return f"dbt build failed: {kind} {r.node.name}: {detail}"
    return "dbt build failed (run with --verbose for dbt's log)"


def _count_nodes(res) -> str:
    kinds: dict[str, int] = {}
    for r in getattr(res.result, "results", None) or []:
        kind = str(r.node.resource_type).split(".")[-1].lower()
        kinds[kind] = kinds.get(kind, 0) + 1
    return ", ".join(f"{n} {k}s" for k, n in sorted(kinds.items())) or "nothing built"


def _store_check_rows(warehouse: Path, rows: list[dict]) -> None:
    """Keep the latest check results as the table `quality_results` in the warehouse."""
    import duckdb
    import pandas as pd

    columns = ["checked_at", "suite", "expectation", "column", "success", "severity", "observed", "description"]
    frame = pd.DataFrame(rows, columns=columns).rename(columns={"column": "column_name"})
    con = duckdb.connect(str(warehouse))
    try:
        con.register("check_rows", frame)
        con.execute("create or replace table quality_results as select * from check_rows")
    finally:
        con.close()


def _remove_database(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
